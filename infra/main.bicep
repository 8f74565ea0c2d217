// acs-email-ledger: everything the running consumer needs, in one resource group.
//
//   azd up                                   (azd passes environmentName, location, principalId)
//   az deployment group create -g <rg> -f infra/main.bicep -p environmentName=<name> location=<region>
//
// Every connection is identity-based: the function app's user-assigned identity (app/identity.bicep),
// created and granted its roles BEFORE the app exists, reaches Event Hubs, Storage (host + ledger tables),
// Application Insights and Key Vault through role assignments (app/rbac.bicep, app/keyvault.bicep). No key or connection string is read, stored or output here.
// The one shared-access rule in this template is the one Azure Monitor itself needs to stream the ACS
// diagnostic logs into the hub (see app/eventhubs.bicep for why). The optional Event Grid webhook
// (eventGridDelivery=webhook) authenticates with a shared secret header, kept in Key Vault like the alert
// webhook's; Event Grid's hub delivery and dead letters use the topic's own identity.
//
// Plain resource declarations, no registry modules: compiles offline. `npm run check:infra` compiles and
// lints it with a pinned Bicep CLI (scripts/checkInfra.ts); test/infra/*.test.ts check the ARM JSON.
targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Name of the environment (azd env name). Feeds the unique suffix of every resource name.')
param environmentName string

// Regions that offer Flex Consumption (docs/deploy.md says where the list comes from and how to check it:
// `az functionapp list-flexconsumption-locations`). A region outside it fails here, not half-way through.
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({ azd: { type: 'location' } })
@description('Region for all resources: one that offers Flex Consumption (see the allowed list and docs/deploy.md).')
param location string

@description('Object id of the person running the deployment (azd sets AZURE_PRINCIPAL_ID). Used only when allowLocalDevAccess is true.')
param principalId string = ''

@description('Give principalId read access to the logs hub (through the local-dev consumer group) so `func start` on a laptop can consume the real hub.')
param allowLocalDevAccess bool = false

// ---------------------------------------------------------------------------------------------------
// Event Hubs
// ---------------------------------------------------------------------------------------------------

@description('Name of the event hub the ACS diagnostic setting streams to.')
param eventHubName string = 'acs-email-logs'

@description('Consumer group this app reads with (EventHubConsumerGroup). One reader per group: never share it.')
param consumerGroupName string = 'acs-email-ledger'

@description('Consumer group for a developer\'s `func start` against the real hub (local.settings.sample.json), so a laptop never takes partitions from the deployed app.')
param localDevConsumerGroupName string = 'local-dev'

@minValue(1)
@maxValue(32)
@description('Partitions of the logs hub. Also the most function instances that can consume it at once. Fixed after creation on Standard.')
param eventHubPartitionCount int = 2

@minValue(1)
@maxValue(7)
@description('How long the hub keeps events (days, Standard tier: 1-7). The ledger can replay anything still retained, so the default is the most Standard allows.')
param eventHubRetentionDays int = 7

@minValue(1)
@maxValue(40)
@description('Throughput units of the Standard namespace (1 TU = 1 MB/s or 1000 events/s in).')
param eventHubThroughputUnits int = 1

// ---------------------------------------------------------------------------------------------------
// Function app (Flex Consumption)
// ---------------------------------------------------------------------------------------------------

@allowed([512, 2048, 4096])
@description('Instance memory of the Flex Consumption app (MB). Billing is per GB-second, so this scales the cost of every execution.')
param functionInstanceMemoryMB int = 2048

// 40 is the lowest maximum instance count Flex Consumption accepts (docs/deploy.md).
@minValue(40)
@maxValue(1000)
@description('Upper bound on scale-out (Flex Consumption: 40-1000). The Event Hub trigger never uses more instances than the hub has partitions.')
param functionMaximumInstanceCount int = 100

@description('Log Analytics retention (days) for the function\'s telemetry, alert log lines included.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_RAGRS'])
@description('Redundancy of the storage account that holds the host state and the ledger tables.')
param storageSkuName string = 'Standard_LRS'

// ---------------------------------------------------------------------------------------------------
// ACS (optional)
// ---------------------------------------------------------------------------------------------------

@description('Resource id of an existing Communication Services resource. When set, a diagnostic setting on it streams the four email log categories to the hub. Empty: point a setting at the hub yourself (docs/deploy.md).')
param acsResourceId string = ''

@description('Name of the diagnostic setting created on the ACS resource.')
param acsDiagnosticSettingName string = 'acs-email-ledger'

@description('LEDGER_SUPPRESSION_LISTS: a JSON object from sender domain to the resource id of its ACS suppression list, e.g. {"mail.contoso.com": "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Communication/emailServices/<service>/domains/<domain>/suppressionLists/<list>"}. Each hard bounce then puts the address on its domain\'s list, and the app identity gets a custom role on that domain that writes its lists only. Empty: off.')
param suppressionLists string = ''

// ---------------------------------------------------------------------------------------------------
// Event Grid (optional second source: delivery and engagement reports; needs acsResourceId)
// ---------------------------------------------------------------------------------------------------

// webhook: create it only once the code answers POST /api/eventgrid (Event Grid validates the endpoint when
// the subscription is created, and azd provisions before it deploys): docs/deploy.md says in which order.
@allowed(['none', 'eventHub', 'webhook'])
@description('Event Grid system topic on the ACS resource, with one subscription to the email delivery and engagement reports: none (default), eventHub (into the logs hub, read by the same consumer) or webhook (POST https://<app>/api/eventgrid). Needs acsResourceId.')
param eventGridDelivery string = 'none'

@secure()
@description('LEDGER_EVENTGRID_SECRET (at least 32 characters): the shared secret Event Grid sends in the x-ledger-eventgrid-secret header. Stored in Key Vault. Required with eventGridDelivery=webhook, ignored otherwise.')
param eventGridWebhookSecret string = ''

// ---------------------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------------------

@description('Comma-separated email addresses that Azure Monitor notifies on a hard bounce or a bounce-rate alert. Empty: the alert rules still fire (Azure portal > Monitor > Alerts) but notify nobody.')
param alertEmailAddresses string = ''

@allowed(['PT1M', 'PT5M', 'PT10M', 'PT15M'])
@description('How often the Azure Monitor alert rules look for LEDGER_ALERT log lines ingested since the previous run (their look-back on TimeGenerated is longer, so late lines are still seen).')
param alertEvaluationFrequency string = 'PT5M'

@secure()
@description('LEDGER_ALERT_WEBHOOK_URL. Treated as a secret because Teams/Slack webhook URLs are bearer credentials: stored in Key Vault, the app setting is a Key Vault reference. Empty: no webhook (alerts go to the log and to Azure Monitor only).')
param alertWebhookUrl string = ''

@secure()
@description('LEDGER_ALERT_WEBHOOK_SECRET ("whsec_" + base64, Standard Webhooks signing secret). Stored in Key Vault. Ignored without alertWebhookUrl.')
param alertWebhookSecret string = ''

@allowed(['standard', 'teams', 'slack'])
@description('LEDGER_ALERT_WEBHOOK_FORMAT. Used only with alertWebhookUrl.')
param alertWebhookFormat string = 'standard'

@description('Client id of an Entra ID app registration for signing in to the dashboard and the API (App Service authentication). Empty: the API is behind function keys and the dashboard asks for one. Set: every request must be signed in, and LEDGER_API_AUTH=entra.')
param dashboardEntraClientId string = ''

// Bounce-rate thresholds. The defaults equal the code defaults in src/config.ts (a test keeps them equal).
@minValue(1)
@description('LEDGER_BOUNCE_RATE_WINDOW_HOURS: sliding window of the per-sender-domain bounce rate.')
param bounceRateWindowHours int = 24

@minValue(1)
@description('LEDGER_BOUNCE_RATE_MIN_SENDS: sends in the window before a rate alert can fire.')
param bounceRateMinSends int = 100

@description('LEDGER_BOUNCE_RATE_WARNING: fraction (0.02 = 2%) that raises a warning alert.')
param bounceRateWarning string = '0.02'

@description('LEDGER_BOUNCE_RATE_CRITICAL: fraction (0.05 = 5%) that raises a critical alert. Must be above the warning.')
param bounceRateCritical string = '0.05'

// ---------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(resourceGroup().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

var functionAppName = '${abbrs.webSitesFunctions}ledger-${resourceToken}'
// Flex Consumption reads its deployment package from this blob container (by identity).
var deploymentContainerName = 'app-package-${resourceToken}'
var hasWebhook = !empty(alertWebhookUrl)
var hasWebhookSigningSecret = hasWebhook && !empty(alertWebhookSecret)
var hasEventGrid = eventGridDelivery != 'none'
var hasEventGridWebhook = eventGridDelivery == 'webhook'
// Exempt from App Service authentication (when the dashboard signs people in): Event Grid cannot sign in,
// the function checks the shared secret instead.
var eventGridWebhookPath = '/api/eventgrid'

// ---------------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------------

module monitoring './app/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    workspaceName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    retentionInDays: logRetentionDays
  }
}

// First, so that every role it needs exists before the app that uses it (no first-start role race).
module identity './app/identity.bicep' = {
  name: 'identity'
  params: {
    location: location
    tags: tags
    name: '${abbrs.managedIdentityUserAssignedIdentities}ledger-${resourceToken}'
  }
}

module storage './app/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    skuName: storageSkuName
    deploymentContainerName: deploymentContainerName
  }
}

module eventHubs './app/eventhubs.bicep' = {
  name: 'eventhubs'
  params: {
    location: location
    tags: tags
    namespaceName: '${abbrs.eventHubNamespaces}${resourceToken}'
    eventHubName: eventHubName
    consumerGroupName: consumerGroupName
    localDevConsumerGroupName: localDevConsumerGroupName
    partitionCount: eventHubPartitionCount
    retentionInDays: eventHubRetentionDays
    throughputUnits: eventHubThroughputUnits
  }
}

// After its roles: the host's first start (and the Key Vault references it resolves) already has them.
module api './app/api.bicep' = {
  name: 'api'
  dependsOn: [rbac, keyVault]
  params: {
    location: location
    tags: tags
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
    instanceMemoryMB: functionInstanceMemoryMB
    maximumInstanceCount: functionMaximumInstanceCount
    identityId: identity.outputs.id
    entraClientId: dashboardEntraClientId
    unauthenticatedPaths: hasEventGridWebhook ? [eventGridWebhookPath] : []
  }
}

module rbac './app/rbac.bicep' = {
  name: 'rbac'
  params: {
    functionPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    eventHubNamespaceName: eventHubs.outputs.namespaceName
    eventHubName: eventHubs.outputs.eventHubName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    localDevPrincipalId: allowLocalDevAccess ? principalId : ''
  }
}

// Only when a webhook is configured (the alert webhook, or Event Grid's): the alert webhook's URL and
// signing secret and the Event Grid secret live here, never in an app setting.
// Named after the identity's principal id, which is new each time the environment is created again: after
// `azd down` without --purge the soft-deleted vault keeps its name for the retention period, and a vault
// named from the resource group alone would collide with it. Same identity (every redeploy): same vault.
module keyVault './app/keyvault.bicep' = if (hasWebhook || hasEventGridWebhook) {
  name: 'keyvault'
  params: {
    location: location
    tags: tags
    name: '${abbrs.keyVaultVaults}${uniqueString(identity.outputs.principalId)}'
    functionPrincipalId: identity.outputs.principalId
    includeAlertWebhook: hasWebhook
    webhookUrl: alertWebhookUrl
    includeSigning: hasWebhookSigningSecret
    webhookSigningSecret: alertWebhookSecret
    includeEventGridSecret: hasEventGridWebhook
    // fail(): a short secret stops the deployment here, before anything depends on it (the code refuses
    // fewer than 32 characters too, and would answer every delivery 503).
    eventGridSecret: hasEventGridWebhook && length(eventGridWebhookSecret) < 32 ? fail('eventGridDelivery=webhook needs eventGridWebhookSecret (azd: LEDGER_EVENTGRID_SECRET) of at least 32 characters.') : eventGridWebhookSecret
  }
}

// Applied after every role assignment exists, so that the host's first start with these settings (and
// the Key Vault reference resolution it triggers) already has the access it needs.
module appSettings './app/appsettings.bicep' = {
  name: 'appsettings'
  dependsOn: [rbac, suppressionRbac]
  params: {
    functionAppName: api.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    eventHubsFullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
    eventHubName: eventHubs.outputs.eventHubName
    consumerGroupName: eventHubs.outputs.consumerGroupName
    identityClientId: identity.outputs.clientId
    bounceRateWindowHours: bounceRateWindowHours
    bounceRateMinSends: bounceRateMinSends
    bounceRateWarning: bounceRateWarning
    bounceRateCritical: bounceRateCritical
    apiAuth: empty(dashboardEntraClientId) ? 'key' : 'entra'
    webhookUrlReference: hasWebhook ? keyVault!.outputs.webhookUrlReference : ''
    webhookSigningReference: hasWebhookSigningSecret ? keyVault!.outputs.webhookSigningReference : ''
    webhookFormat: alertWebhookFormat
    eventGridWebhookReference: hasEventGridWebhook ? keyVault!.outputs.eventGridWebhookReference : ''
    suppressionLists: suppressionLists
  }
}

module alerts './app/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    actionGroupName: '${abbrs.insightsActionGroups}ledger-${resourceToken}'
    ruleNamePrefix: '${abbrs.insightsScheduledQueryRules}ledger-${resourceToken}'
    emailAddresses: alertEmailAddresses
    evaluationFrequency: alertEvaluationFrequency
  }
}

// The ACS resource may live in another resource group or subscription: the setting is deployed there.
// /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Communication/communicationServices/{name}
// (A well-formed placeholder when no id is given, so the scope expression is valid even while unused.)
var acsIdSegments = split(empty(acsResourceId) ? '${resourceGroup().id}/providers/Microsoft.Communication/communicationServices/none' : acsResourceId, '/')
module acsDiagnostics './app/acs-diagnostics.bicep' = if (!empty(acsResourceId)) {
  name: 'acs-diagnostics-${resourceToken}'
  scope: resourceGroup(acsIdSegments[2], acsIdSegments[4])
  params: {
    communicationServiceName: last(acsIdSegments)
    settingName: acsDiagnosticSettingName
    eventHubAuthorizationRuleId: eventHubs.outputs.diagnosticsAuthorizationRuleId
    eventHubName: eventHubs.outputs.eventHubName
  }
}

// Event Grid: the identity, its roles and the dead-letter container first, in this resource group; then the
// system topic and its subscription next to the ACS resource (a system topic lives in its source's
// subscription). Nothing at all with eventGridDelivery=none.
module eventGridAccess './app/eventgrid-access.bicep' = if (hasEventGrid) {
  name: 'eventgrid-access'
  params: {
    location: location
    tags: tags
    identityName: '${abbrs.managedIdentityUserAssignedIdentities}eventgrid-${resourceToken}'
    storageAccountName: storage.outputs.name
    eventHubNamespaceName: eventHubs.outputs.namespaceName
    eventHubName: eventHubs.outputs.eventHubName
    deliverToEventHub: eventGridDelivery == 'eventHub'
  }
}

// The webhook subscription is validated when it is created: after the app settings (the secret) exist.
// That the code is deployed and answering is the one thing the template cannot wait for (docs/deploy.md).
module eventGrid './app/eventgrid.bicep' = if (hasEventGrid) {
  name: 'eventgrid-${resourceToken}'
  scope: resourceGroup(acsIdSegments[2], acsIdSegments[4])
  dependsOn: [appSettings]
  params: {
    delivery: hasEventGridWebhook ? 'webhook' : 'eventHub'
    communicationServiceName: empty(acsResourceId) ? fail('eventGridDelivery needs acsResourceId (azd: ACS_RESOURCE_ID), the Communication Services resource whose reports it subscribes to.') : last(acsIdSegments)
    topicName: '${abbrs.eventGridSystemTopics}ledger-${resourceToken}'
    tags: tags
    identityId: eventGridAccess!.outputs.identityId
    eventHubId: eventGridAccess!.outputs.eventHubId
    webhookUrl: hasEventGridWebhook ? 'https://${api.outputs.defaultHostName}${eventGridWebhookPath}' : ''
    webhookSecret: hasEventGridWebhook ? eventGridWebhookSecret : ''
    deadLetterStorageAccountId: eventGridAccess!.outputs.storageAccountId
    deadLetterContainerName: eventGridAccess!.outputs.deadLetterContainerName
  }
}

// One role per suppression list's domain, in the email service's resource group (segments of the list's
// resource id: 2 subscription, 4 resource group, 8 email service, 10 domain).
var suppressionListIds = empty(suppressionLists) ? [] : map(items(json(suppressionLists)), entry => split(string(entry.value), '/'))
module suppressionRbac './app/suppression-rbac.bicep' = [for (segments, i) in suppressionListIds: {
  name: 'suppression-rbac-${i}-${resourceToken}'
  scope: resourceGroup(segments[2], segments[4])
  params: {
    functionPrincipalId: identity.outputs.principalId
    emailServiceName: segments[8]
    domainName: segments[10]
  }
}]

// ---------------------------------------------------------------------------------------------------
// Outputs (azd writes them to .azure/<env>/.env). Names, endpoints and ids only: nothing secret.
// The Event Hub ones are named exactly like the app settings, for local.settings.json.
// ---------------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = 'https://${api.outputs.defaultHostName}'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output LEDGER_STORAGE string = storage.outputs.tableEndpoint
output EventHubConnection__fullyQualifiedNamespace string = eventHubs.outputs.fullyQualifiedNamespace
output EventHubName string = eventHubs.outputs.eventHubName
output EventHubConsumerGroup string = eventHubs.outputs.consumerGroupName
output LOCAL_DEV_CONSUMER_GROUP string = eventHubs.outputs.localDevConsumerGroupName
// The app's identity: what DefaultAzureCredential in the app uses (AZURE_CLIENT_ID app setting).
output AZURE_CLIENT_ID string = identity.outputs.clientId
output EVENTHUB_DIAGNOSTICS_RULE_ID string = eventHubs.outputs.diagnosticsAuthorizationRuleId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output LOG_ANALYTICS_WORKSPACE_NAME string = monitoring.outputs.workspaceName
output ACS_DIAGNOSTIC_SETTING string = empty(acsResourceId) ? '' : acsDiagnosticSettingName
// Names only; empty when eventGridDelivery=none.
output EVENTGRID_SYSTEM_TOPIC string = hasEventGrid ? eventGrid!.outputs.systemTopicName : ''
output EVENTGRID_DEADLETTER_CONTAINER string = hasEventGrid ? eventGridAccess!.outputs.deadLetterContainerName : ''
