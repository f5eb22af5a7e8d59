/**
 * Entry point of the Upshift browser demo. `reflect-metadata` comes first: tsyringe refuses to
 * load without the Reflect metadata API.
 */
import 'reflect-metadata';
import './style.css';
import { readModelConfig } from '@upshift/models';
import { Pipeline } from '@upshift/pipeline';
import { createAppContainer } from './app-container.js';
import { backendStatuses } from './backend-list.js';
import { DemoApp } from './demo-app.js';
import { demoElements } from './demo-elements.js';
import { modelFolderUrl } from './model-location.js';

/** The model's class names from its config.json (a few kB; the weights load on the first run). */
async function modelClasses(folder: URL): Promise<readonly string[]> {
  const url = new URL('config.json', folder);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status} ${response.statusText}`);
  return readModelConfig(new Uint8Array(await response.arrayBuffer()), url.href).classes ?? [];
}

const folder = modelFolderUrl(import.meta.env.BASE_URL, document.baseURI);
const container = createAppContainer(folder);
const app = new DemoApp(demoElements(), new Pipeline(container));
Promise.all([modelClasses(folder), backendStatuses(container)]).then(
  ([classes, backends]) => app.init(classes, backends),
  (error: unknown) => app.fail(error),
);
