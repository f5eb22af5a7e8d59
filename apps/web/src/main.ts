/**
 * Entry point of the Upshift browser demo. The pipeline (backends, model, tensors) runs in a
 * module Web Worker (src/pipeline-worker.ts); this thread only draws the page.
 */
import './style.css';
import { DemoApp } from './demo-app.js';
import { demoFormDefaults } from './demo-form.js';
import { demoElements } from './demo-elements.js';
import { modelFolderUrl } from './model-location.js';
import { PipelineClient } from './pipeline-client.js';

const folder = modelFolderUrl(import.meta.env.BASE_URL, document.baseURI);
const worker = new Worker(new URL('./pipeline-worker.ts', import.meta.url), { type: 'module', name: 'upshift-pipeline' });
const client = new PipelineClient(worker, worker);
const app = new DemoApp(demoElements(), client);
client.init(folder).then(
  ({ classes, backends, sampling, defaults }) => app.init(classes, backends, demoFormDefaults(defaults, sampling)),
  (error: unknown) => app.fail(error),
);
