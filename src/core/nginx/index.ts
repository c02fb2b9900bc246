// The nginx renderer: desired config in, nginx configuration files out. Pure; the agent writes,
// tests and reloads, and the UI shows the same text as a preview.

export { renderSite, sitePath } from './render-site';
export { renderMainConfig, MAIN_CONFIG_PATH, STATUS_PATH } from './render-main';
export { renderAll } from './render-all';
export type { RenderAllResult } from './render-all';
export { DEFAULT_RENDER_OPTIONS, requiredDirectories } from './options';
export type { RenderError, RenderOptions, RenderResult, RenderedFile, SiteInput } from './types';
