export { renderTemplate, templateVariables } from './render.ts';
export type { RenderOptions, RenderResult, TemplateValue, TemplateVars } from './render.ts';
export { TemplateError } from './errors.ts';
export type { TemplateErrorCode, TemplateErrorOptions } from './errors.ts';
export { analyseTemplate, DEFAULT_MAX_SEGMENTS } from './analyse.ts';
export type { AnalyseOptions, TemplateAnalysis } from './analyse.ts';
