// What the Event Grid system topic (eventgrid.bicep) needs in the ledger's resource group, created BEFORE
// the topic and its subscription: the topic's user-assigned identity, the dead-letter container, and the
// identity's two roles. Deployed only when main.bicep's eventGridDelivery is not 'none'.
//
// A user-assigned identity rather than the topic's system-assigned one, for the same reason as the app's
// (identity.bicep): it exists, with its roles, before the subscription that delivers with it, so the first
// deliveries and dead letters do not race the role assignments made for a system identity that would only
// exist once the topic does.

// Azure Event Hubs Data Sender: send to the logs hub (eventHub delivery). Scoped to the hub, not the namespace.
var eventHubsDataSenderRoleId = '2b629674-e913-4c01-ae53-ef4638d8f975'
// Storage Blob Data Contributor: write dead-lettered events. Scoped to the one container. Identity-based
// dead-lettering is the only kind this account allows: shared keys are off (storage.bicep).
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

param location string
param tags { *: string }
param identityName string
param storageAccountName string
param eventHubNamespaceName string
param eventHubName string
@description('Whether events are delivered to the logs hub (eventGridDelivery = eventHub): only then the Data Sender role.')
param deliverToEventHub bool

@description('Blob container for events Event Grid could not deliver (after its retries, or refused by the endpoint).')
param deadLetterContainerName string = 'eventgrid-deadletter'

resource topicIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource eventHubNamespace 'Microsoft.EventHub/namespaces@2024-01-01' existing = {
  name: eventHubNamespaceName
}

resource eventHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' existing = {
  parent: eventHubNamespace
  name: eventHubName
}

// Named from the identity's resource id (known when the deployment starts), not its principal id.
resource topicSendsToHub 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deliverToEventHub) {
  name: guid(eventHub.id, topicIdentity.id, eventHubsDataSenderRoleId)
  scope: eventHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataSenderRoleId)
    principalId: topicIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource topicWritesDeadLetters 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, topicIdentity.id, storageBlobDataContributorRoleId)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributorRoleId)
    principalId: topicIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Ids only. A module's outputs exist once all of it is deployed: whatever reads them (the topic and its
// subscription) is created after both role assignments.
output identityId string = topicIdentity.id
output eventHubId string = eventHub.id
output storageAccountId string = storageAccount.id
output deadLetterContainerName string = deadLetterContainer.name
