// The nginx renderer: desired config in, nginx configuration files out. Pure; the agent writes,
// tests and reloads, and the UI shows the same text as a preview.

export { renderSite, renderSitePlan, sitePath } from './render-site';
export { planSite } from './site-plan';
export type { SitePlan } from './site-plan';
export { renderMainConfig, MAIN_CONFIG_PATH, STATUS_PATH } from './render-main';
export { renderAll, siteConflicts } from './render-all';
export type { RenderAllResult, SiteIdentity } from './render-all';
export { DEFAULT_RENDER_OPTIONS, checkRenderOptions, requiredDirectories } from './options';
export type { RenderError, RenderOptions, RenderResult, RenderedFile, SiteInput } from './types';
