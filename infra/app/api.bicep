// The Function App on the Flex Consumption plan (FC1, Linux), Node.js 22, with the user-assigned identity
// of identity.bicep (created, and granted its roles, before this app).
//
// App settings are not set here: appsettings.bicep applies all of them after the role assignments exist. On Flex Consumption the runtime and version live in
// functionAppConfig.runtime, and the deployment package in functionAppConfig.deployment, so the classic
// FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION / WEBSITE_RUN_FROM_PACKAGE settings must not be set.

param location string
param tags { *: string }
param name string
param planName string
@description('Blob container URL the platform reads the deployment package from (with the app identity).')
param deploymentContainerUrl string
param instanceMemoryMB int
param maximumInstanceCount int
@description('Resource id of the user-assigned identity the app runs as.')
param identityId string
@description('Client id of an Entra ID app registration: when set, App Service authentication signs people in with it before any request reaches the app (the dashboard and LEDGER_API_AUTH=entra). Empty: no sign-in, the API keeps its function keys.')
param entraClientId string = ''
@description('Paths App Service authentication lets through without a sign-in, for callers that cannot sign in and that the function authenticates itself (the Event Grid webhook and its shared secret). Only used with entraClientId.')
param unauthenticatedPaths string[] = []

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the app to deploy `services.api` of azure.yaml to by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with this identity; without it the platform would use a system-assigned
    // identity, which this app does not have.
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
  }
}

// App Service authentication (Easy Auth) with Entra ID, only when a client id is given. Every request
// must be signed in; browsers are sent to the sign-in page. With no client secret configured, the
// platform signs in with an ID token: the registration must allow ID tokens and list the redirect URI
// https://<host>/.auth/login/aad/callback (docs/deploy.md).
resource auth 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(entraClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      // Event Grid delivers with a static secret header, not a sign-in: without this the sign-in redirect
      // (302) would fail its validation handshake and every delivery.
      excludedPaths: unauthenticatedPaths
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${entraClientId}'
          ]
        }
      }
    }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
