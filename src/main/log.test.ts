import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from './log';

const capture = () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
};

describe('createLogger', () => {
  it('writes JSON lines with the message and fields', () => {
    const { lines, logger } = capture();
    logger.info({ nodeId: 'n1' }, 'node started');
    expect(lines[0]).toMatchObject({ level: 30, name: 'netgoat', nodeId: 'n1', msg: 'node started' });
  });

  it('redacts secrets at the top level and nested', () => {
    const { lines, logger } = capture();
    logger.info({ password: 'hunter2', peer: { clientSecret: 's3cret', name: 'edge-1' }, source: { oauth2: { token: 'tkn' } }, req: { headers: { authorization: 'Bearer x' } } }, 'x');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['hunter2', 's3cret', 'tkn', 'Bearer x']) expect(text).not.toContain(secret);
    expect(text).toContain('edge-1');
  });
});
