// Event Hubs: the namespace, the hub the ACS diagnostic setting streams to, and this app's consumer group.
//
// Why local (SAS) authentication stays enabled on the namespace: Azure Monitor diagnostic settings can
// only stream to Event Hubs through a namespace shared-access rule (`eventHubAuthorizationRuleId`); there
// is no Entra ID option for that writer, and with disableLocalAuth the stream silently stops
// (MicrosoftDocs/azure-docs#119932). So the namespace keeps SAS for exactly one rule, used by Azure Monitor
// and never read by this template (no listKeys anywhere). Our own reader, the function app, uses its
// managed identity (EventHubConnection__credential=managedidentity + Azure Event Hubs Data Receiver).

param location string
param tags { *: string }
param namespaceName string
param eventHubName string
param consumerGroupName string
@description('Consumer group for a developer\'s `func start` against the real hub, so a laptop never reads with (and takes partitions from) the deployed app\'s group.')
param localDevConsumerGroupName string
param partitionCount int
param retentionInDays int
param throughputUnits int

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: throughputUnits
  }
  properties: {
    minimumTlsVersion: '1.2'
    // Required by the diagnostic-setting writer, see the top of this file.
    disableLocalAuth: false
    publicNetworkAccess: 'Enabled'
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: eventHubName
  properties: {
    partitionCount: partitionCount
    messageRetentionInDays: retentionInDays
  }
}

// One reader per consumer group: the Functions Event Hubs trigger takes an exclusive (epoch) receiver on
// each partition, so two apps sharing a group would keep kicking each other off.
resource consumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = {
  parent: hub
  name: consumerGroupName
}

// Always there (Standard allows 20 groups per hub; an unused group costs nothing): reading it still needs
// the Data Receiver role, which only allowLocalDevAccess grants (rbac.bicep).
resource localDevConsumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = {
  parent: hub
  name: localDevConsumerGroupName
}

// The rule Azure Monitor streams with. Namespace level and Manage+Send+Listen because that is what
// diagnostic settings require ("Streaming to Event Hubs requires Manage, Send, and Listen permissions",
// Azure Monitor diagnostic settings, destination limitations). Whoever creates the diagnostic setting
// needs the ListKey permission on it (Owner/Contributor of this resource group has it).
resource diagnosticsRule 'Microsoft.EventHub/namespaces/authorizationRules@2024-01-01' = {
  parent: namespace
  name: 'azure-monitor-diagnostics'
  properties: {
    rights: [
      'Manage'
      'Send'
      'Listen'
    ]
  }
}

output namespaceName string = namespace.name
// "https://<ns>.servicebus.windows.net:443/" -> "<ns>.servicebus.windows.net" (right in every cloud).
output fullyQualifiedNamespace string = split(split(split(namespace.properties.serviceBusEndpoint, '://')[1], '/')[0], ':')[0]
output eventHubName string = hub.name
output consumerGroupName string = consumerGroup.name
output localDevConsumerGroupName string = localDevConsumerGroup.name
// An id, not a key: Azure Monitor resolves the rule's key itself.
output diagnosticsAuthorizationRuleId string = diagnosticsRule.id
