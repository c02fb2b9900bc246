// Structured logs for the node (pino, JSON lines on stdout). Secrets are redacted by field name
// wherever they appear in the first few levels of a logged object, so a careless log call cannot
// leak a password, token or key into a file an operator may paste into an issue.

import pino from 'pino';

export type Logger = pino.Logger;

const SECRET_FIELDS = ['password', 'passwordHash', 'token', 'accessToken', 'refreshToken', 'clientSecret', 'secret', 'key', 'privateKey', 'clusterKey', 'sessionKey'];

/** pino's redaction matches exact paths; wildcards cover secrets nested up to three levels deep. */
export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go; stdout unless a test wants them elsewhere. */
  destination?: pino.DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const options: pino.LoggerOptions = {
    name: 'netgoat',
    level: opts.level ?? process.env['NETGOAT_LOG_LEVEL'] ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options, pino.destination({ dest: 1, sync: true }));
}
