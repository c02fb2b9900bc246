// Desired state per agent: built from the replicated documents, checksummed, diffed. Pure.

export { agentServes, buildDesired, checksumsOf, desiredDomain, domainChecksum, entryOf, selectorKey, stateChecksum } from './desired';
export type { AgentSelector, CertificateMaterial, DesiredChecksums, DesiredEntry, DesiredSet, DesiredSources } from './desired';
export { applyDiff, diffDesired } from './diff';
export type { DesiredDiff } from './diff';
