// Every app setting of the function app, in one place. test/infra/appSettings.test.ts checks this file
// against the settings the code reads (src/config.ts: settingsSchema and HOST_BINDING_SETTINGS):
//   - each setting below is read by the Functions host, the Event Hub binding, or our code;
//   - each LEDGER_* setting the code reads is either set here or listed, with its reason, in the test's
//     "left to the code default" list.
// Rule for LEDGER_* settings: set one here when its value depends on the deployment (endpoints, secrets,
// choices offered as parameters) or when something else in infra depends on it (LEDGER_ALERT_LOG feeds
// the Azure Monitor alert rules). Tuning knobs with sensible code defaults are left out.
//
// This resource replaces the app's whole settings collection: a setting added by hand in the portal is
// removed by the next `azd provision`. Add it here instead.

param functionAppName string
param applicationInsightsName string
param storageBlobEndpoint string
param storageTableEndpoint string
param eventHubsFullyQualifiedNamespace string
param eventHubName string
param consumerGroupName string
@description('Client id of the app\'s user-assigned identity: every identity-based connection names it.')
param identityClientId string
param bounceRateWindowHours int
param bounceRateMinSends int
param bounceRateWarning string
param bounceRateCritical string
@description('"@Microsoft.KeyVault(SecretUri=...)" for LEDGER_ALERT_WEBHOOK_URL, or empty for no webhook.')
param webhookUrlReference string
@description('"@Microsoft.KeyVault(SecretUri=...)" for LEDGER_ALERT_WEBHOOK_SECRET, or empty.')
param webhookSigningReference string
param webhookFormat string
@description('LEDGER_SUPPRESSION_LISTS as given (JSON: sender domain -> suppression list resource id), or empty for none.')
param suppressionLists string
@description('LEDGER_API_AUTH: key (function keys) or entra (App Service authentication signs people in; api.bicep turns it on with the same choice).')
@allowed([
  'key'
  'entra'
])
param apiAuth string
@description('"@Microsoft.KeyVault(SecretUri=...)" for LEDGER_EVENTGRID_SECRET when main.bicep delivers Event Grid to the webhook; empty otherwise.')
param eventGridWebhookReference string = ''

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Read by the Functions host. AzureWebJobsStorage by identity: blob (leases, keys, Event Hubs checkpoints)
// and table (diagnostic events). No queue URI: nothing here uses queues (see rbac.bicep).
var hostSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  // Not a secret: with local auth disabled on the component, the key in it cannot be used to ingest.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  // Entra ID ingestion with the user-assigned identity (without ClientId it would try a system-assigned one).
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// Read by the Event Hubs trigger (HOST_BINDING_SETTINGS in src/config.ts): connection 'EventHubConnection'
// by identity, hub and consumer group as %EventHubName% / %EventHubConsumerGroup% binding expressions.
var bindingSettings = {
  EventHubConnection__fullyQualifiedNamespace: eventHubsFullyQualifiedNamespace
  EventHubConnection__credential: 'managedidentity'
  EventHubConnection__clientId: identityClientId
  EventHubName: eventHubName
  EventHubConsumerGroup: consumerGroupName
}

// Read by our code (settingsSchema in src/config.ts).
var ledgerSettings = {
  // A Table endpoint URL, so the code authenticates with DefaultAzureCredential...
  LEDGER_STORAGE: storageTableEndpoint
  // ...which, like ManagedIdentityCredential, takes the user-assigned identity to use from AZURE_CLIENT_ID.
  AZURE_CLIENT_ID: identityClientId
  // Blob endpoint of the same account: whole batches are parked in container ledger-parked (src/parking/).
  LEDGER_PARK_STORAGE: storageBlobEndpoint
  // Explicit although it is the code default: the Azure Monitor alert rules (alerts.bicep) read these lines.
  LEDGER_ALERT_LOG: 'true'
  LEDGER_BOUNCE_RATE_WINDOW_HOURS: string(bounceRateWindowHours)
  LEDGER_BOUNCE_RATE_MIN_SENDS: string(bounceRateMinSends)
  LEDGER_BOUNCE_RATE_WARNING: bounceRateWarning
  LEDGER_BOUNCE_RATE_CRITICAL: bounceRateCritical
  // Set by the same parameter that turns App Service authentication on: entra without it would trust a forgeable header.
  LEDGER_API_AUTH: apiAuth
}

// Only with a webhook. Values are Key Vault references, resolved by the platform with the app identity.
var webhookSettings = empty(webhookUrlReference) ? {} : {
  LEDGER_ALERT_WEBHOOK_URL: webhookUrlReference
  LEDGER_ALERT_WEBHOOK_FORMAT: webhookFormat
}

// Only with a webhook and a signing secret (the code refuses a secret without a URL).
var webhookSigningSettings = empty(webhookUrlReference) || empty(webhookSigningReference) ? {} : {
  LEDGER_ALERT_WEBHOOK_SECRET: webhookSigningReference
}

// Only with Event Grid webhook delivery (eventgrid.bicep sends the same secret in the
// x-ledger-eventgrid-secret header). Unset, POST /api/eventgrid answers "not configured" and nothing else
// changes. Auth is the shared secret: Entra delivery needs an app role assigned to Event Grid, which an ARM
// template cannot create (docs/deploy.md).
var eventGridSettings = empty(eventGridWebhookReference) ? {} : {
  LEDGER_EVENTGRID_AUTH: 'secret'
  LEDGER_EVENTGRID_SECRET: eventGridWebhookReference
}

// Only with suppression lists (main.bicep grants the role that writes them).
var suppressionSettings = empty(suppressionLists) ? {} : {
  LEDGER_SUPPRESSION_LISTS: suppressionLists
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(hostSettings, bindingSettings, ledgerSettings, webhookSettings, webhookSigningSettings, eventGridSettings, suppressionSettings)
}
