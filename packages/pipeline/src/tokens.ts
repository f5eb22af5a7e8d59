/** DI tokens of the pipeline (run-scoped, registered in each run's child container). */
import type { InjectionToken } from 'tsyringe';
import type { PipelineConfig } from './pipeline-config.js';

/** Run-scoped: the validated config of this run (with the resolution it runs at filled in). */
export const PipelineConfigToken: InjectionToken<PipelineConfig> = Symbol.for('@upshift/pipeline:PipelineConfig');
