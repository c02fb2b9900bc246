// The HTTP API described as OpenAPI 3.1, generated from the same zod schemas the dispatcher
// enforces, so the document cannot drift from the behaviour.

import { z } from 'zod';
import { ERROR_CODES } from '../../shared/errors';
import { procedures, PROCEDURE_NAMES } from '../../shared/api/contract';
import { CSRF_HEADER, RPC_PATH_PREFIX, SESSION_COOKIE } from '../../shared/api/transport';
import type { Access } from '../../shared/api/roles';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function describeAccess(a: Access): string {
  switch (a.kind) {
    case 'public': return 'Public.';
    case 'authenticated': return 'Any signed-in user.';
    case 'owner': return 'Instance owner only.';
    case 'team': return `Role ${a.minRole} or higher in input.teamId${a.ownerWithoutTeam ? ' (without teamId: instance owner only)' : ''}.`;
  }
}

export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const name of PROCEDURE_NAMES) {
    const def = procedures[name];
    paths[`${RPC_PATH_PREFIX}${name}`] = {
      post: {
        operationId: name.replace('.', '_'),
        summary: def.summary,
        description: `${describeAccess(def.access)} Effect: ${def.effect}.`,
        tags: [name.split('.')[0]],
        'x-netgoat-access': def.access,
        'x-netgoat-effect': def.effect,
        security: def.access.kind === 'public' ? [] : [{ bearerToken: [] }, { sessionCookie: [], csrfHeader: [] }],
        requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(def.input, 'input') } } },
        responses: {
          200: { description: 'Done', content: { 'application/json': { schema: { type: 'object', required: ['ok', 'value'], properties: { ok: { const: true }, value: jsonSchema(def.output, 'output') } } } } },
          default: { description: 'Refused: see the error code', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Netgoat node API', version, description: 'Every procedure is POST /api/rpc/<name> with a JSON body. See docs/API.md.' },
    paths,
    components: {
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', description: 'A scoped API token, ngt_...' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        csrfHeader: { type: 'apiKey', in: 'header', name: CSRF_HEADER, description: 'Must be "1" on cookie-authenticated requests.' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['ok', 'code', 'message'],
          properties: {
            ok: { const: false },
            code: { type: 'string', enum: Object.keys(ERROR_CODES) },
            message: { type: 'string' },
            path: { type: 'array', items: { type: ['string', 'number'] } },
            details: { type: 'object' },
          },
        },
      },
    },
  };
}
