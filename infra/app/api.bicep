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

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
