// Key Vault for the alert webhook: its URL (Teams and Slack webhook URLs are bearer credentials) and its
// Standard Webhooks signing secret; and for the Event Grid webhook's shared secret (LEDGER_EVENTGRID_SECRET).
// Deployed only when one of them is used. The values arrive as
// @secure() parameters, go straight into secrets, and leave this module only as Key Vault references
// (@Microsoft.KeyVault(SecretUri=...)) for the app settings: no secret value is in an app setting, an
// output, or the deployment history.

// Key Vault Secrets User: read secret values. Granted per secret, not on the vault.
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

param location string
param tags { *: string }
param name string
param functionPrincipalId string

@description('Whether an alert webhook is configured. A plain bool, so that nothing below branches on a secure value.')
param includeAlertWebhook bool

@secure()
@description('LEDGER_ALERT_WEBHOOK_URL. Used only when includeAlertWebhook is true.')
param webhookUrl string

@description('Whether a signing secret is given. A plain bool, so that nothing below branches on a secure value.')
param includeSigning bool

@secure()
@description('LEDGER_ALERT_WEBHOOK_SECRET. Used only when includeSigning is true.')
param webhookSigningSecret string

@description('Whether the Event Grid webhook is on (main.bicep eventGridDelivery = webhook).')
param includeEventGridSecret bool

@secure()
@description('LEDGER_EVENTGRID_SECRET: Event Grid sends it in the x-ledger-eventgrid-secret header, the app compares. Used only when includeEventGridSecret is true.')
param eventGridSecret string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Azure RBAC, not access policies: access is a role assignment like everything else here.
    enableRbacAuthorization: true
    enableSoftDelete: true
    // The shortest allowed. The name never meets its own soft-deleted vault anyway: main.bicep derives it
    // from the identity's principal id, new each time the environment is created again.
    softDeleteRetentionInDays: 7
    // Key Vault references are resolved by the platform over the public endpoint (no VNet in this template).
    publicNetworkAccess: 'Enabled'
  }
}

resource webhookUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (includeAlertWebhook) {
  parent: vault
  name: 'ledger-alert-webhook-url'
  properties: {
    value: webhookUrl
    contentType: 'text/plain'
  }
}

resource webhookSigningSecretResource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (includeAlertWebhook && includeSigning) {
  parent: vault
  name: 'ledger-alert-webhook-secret'
  properties: {
    value: webhookSigningSecret
    contentType: 'text/plain'
  }
}

resource eventGridSecretResource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (includeEventGridSecret) {
  parent: vault
  name: 'ledger-eventgrid-secret'
  properties: {
    value: eventGridSecret
    contentType: 'text/plain'
  }
}

resource appReadsWebhookUrl 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (includeAlertWebhook) {
  name: guid(webhookUrlSecret.id, functionPrincipalId, keyVaultSecretsUserRoleId)
  scope: webhookUrlSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appReadsWebhookSigningSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (includeAlertWebhook && includeSigning) {
  name: guid(webhookSigningSecretResource.id, functionPrincipalId, keyVaultSecretsUserRoleId)
  scope: webhookSigningSecretResource
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appReadsEventGridSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (includeEventGridSecret) {
  name: guid(eventGridSecretResource.id, functionPrincipalId, keyVaultSecretsUserRoleId)
  scope: eventGridSecretResource
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// App-setting values that point at the secrets: Key Vault references to the versionless secret URI, so a
// rotated secret is picked up without a redeploy. References, not values: safe to output.
output webhookUrlReference string = includeAlertWebhook ? '@Microsoft.KeyVault(SecretUri=${webhookUrlSecret!.properties.secretUri})' : ''
output webhookSigningReference string = includeAlertWebhook && includeSigning ? '@Microsoft.KeyVault(SecretUri=${webhookSigningSecretResource!.properties.secretUri})' : ''
output eventGridWebhookReference string = includeEventGridSecret ? '@Microsoft.KeyVault(SecretUri=${eventGridSecretResource!.properties.secretUri})' : ''
