import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';

/**
 * The one Entra ID credential of this worker, shared by every table and blob client: one token cache,
 * one managed-identity probe, instead of one per client. In Azure it resolves to the app's managed
 * identity; DefaultAzureCredential reads AZURE_CLIENT_ID itself and then asks for that user-assigned
 * identity (without it, the system-assigned one). Locally it is your `az login`.
 */
let credential: TokenCredential | undefined;

export function workerCredential(): TokenCredential {
  credential ??= new DefaultAzureCredential();
  return credential;
}
