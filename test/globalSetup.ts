import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { startEmbeddedAzurite } from '../src/store/embeddedAzurite.js';

/**
 * Starts one in-memory Azurite Table service on a free loopback port for the whole test run, and builds
 * the dashboard (web/ -> dist/web) once, as `npm run build` does, for the tests that serve it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await build({ configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)), logLevel: 'warn' });
  const azurite = await startEmbeddedAzurite();
  project.provide('azuriteConnectionString', azurite.connectionString);
  return () => azurite.close();
}
