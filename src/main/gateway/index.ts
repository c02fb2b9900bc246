// The node's agent gateway: enrollment, signed sessions, desired-state push, agent status.

export { createAgentGateway, agentLinkMigrations } from './gateway';
export type { AgentAck, AgentGateway, AgentGatewayOptions, TelemetrySink } from './gateway';
export { listenAgentGateway, pinnedAgentUrl } from './listen';
export type { AgentGatewayListener } from './listen';
export {
  createEnrollmentToken, enrollWithToken, listAgentsWithStatus, revokeAgent, revokeEnrollmentToken, rotateAgentKey, DEFAULT_TOKEN_TTL_MS,
} from './agents-admin';
export type { AgentView, Enrollment, NewEnrollmentToken } from './agents-admin';
export type { AgentStatusWord, SyncWord } from './status';
export type { UnsealCertificate } from './desired-groups';
