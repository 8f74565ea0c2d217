import type { TestProject } from 'vitest/node';
import { startEmbeddedAzurite } from '../src/store/embeddedAzurite.js';

/** Starts one in-memory Azurite Table service on a free loopback port for the whole test run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startEmbeddedAzurite();
  project.provide('azuriteConnectionString', azurite.connectionString);
  return () => azurite.close();
}

