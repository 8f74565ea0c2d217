// Event Grid as the ledger's second input (issue 12): a system topic on the existing Communication Services
// resource and ONE event subscription for the two email report event types, delivered to the logs hub or
// to the app's webhook. Deployed into the ACS resource's own resource group (main.bicep sets the scope from
// its resource id, like acs-diagnostics.bicep): a system topic lives in the source's subscription, and only
// one system topic is allowed per source (docs/deploy.md, "Event Grid as a second source").
//
// Needs, for whoever deploys: Microsoft.EventGrid/systemTopics/write (EventGrid Contributor or Contributor)
// on that resource group. The identity and its roles come from eventgrid-access.bicep, made first.

// Exactly the two report types the ledger reads (test/infra/eventgrid.test.ts keeps them equal to
// EVENT_GRID_TYPES in src/eventgrid/classifyEventGridEvent.ts). Filtered here so that the topic's other events (chat, SMS, calls) never reach the ledger.
var emailReportEventTypes = [
  'Microsoft.Communication.EmailDeliveryReportReceived'
  'Microsoft.Communication.EmailEngagementTrackingReportReceived'
]

// Event Grid schema, not CloudEvents 1.0: the app accepts both, and this is the schema ACS documents its
// email events in; for the webhook it means the synchronous SubscriptionValidationEvent handshake (one
// POST answered with the code, at subscription creation) instead of the CloudEvents OPTIONS handshake.
// Fixed rather than a parameter: one schema less to test, and nothing gained by choosing.
var eventDeliverySchema = 'EventGridSchema'

// Retries: Event Grid's own maxima, written out so that they are a decision and not a default that moves.
// 30 attempts over 24 hours ride out an app outage or a storage outage (the webhook answers 503 until its
// commit succeeds) of up to a day; what still fails is dead-lettered, not dropped, and can be read back
// from the container. The hub destination never needs them unless Event Hubs itself is down.
var retryPolicy = {
  maxDeliveryAttempts: 30
  eventTimeToLiveInMinutes: 1440
}

@description('Delivery: eventHub (the logs hub, with the topic\'s identity) or webhook (POST https://<app>/api/eventgrid).')
@allowed([
  'eventHub'
  'webhook'
])
param delivery string
param communicationServiceName string
param topicName string
param subscriptionName string = 'acs-email-ledger'
param tags { *: string }
@description('Resource id of the topic\'s user-assigned identity (eventgrid-access.bicep), which holds the delivery and dead-letter roles.')
param identityId string
@description('Resource id of the logs hub. Used with eventHub delivery.')
param eventHubId string
// Secure because Event Grid treats every endpoint URL as one (it may carry a secret in its query string);
// this one does not, the secret goes in a header.
@secure()
@description('https://<app host>/api/eventgrid. Used with webhook delivery.')
param webhookUrl string = ''
@secure()
@description('LEDGER_EVENTGRID_SECRET, sent as the secret header x-ledger-eventgrid-secret. Used with webhook delivery.')
param webhookSecret string = ''
param deadLetterStorageAccountId string
param deadLetterContainerName string

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: communicationServiceName
}

var deliveryIdentity = {
  type: 'UserAssigned'
  userAssignedIdentity: identityId
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: topicName
  // Communication Services is a global resource: its system topic is global too.
  location: 'global'
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    source: communicationService.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

var isHub = delivery == 'eventHub'

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: subscriptionName
  properties: {
    // Hub: delivered with the topic's identity (Azure Event Hubs Data Sender on that hub), so no SAS rule
    // for Event Grid. The events join the diagnostic records in the same hub, read by the same consumer.
    deliveryWithResourceIdentity: isHub
      ? {
          identity: deliveryIdentity
          destination: {
            endpointType: 'EventHub'
            properties: {
              resourceId: eventHubId
            }
          }
        }
      : null
    // Webhook: the secret travels as a static delivery header marked secret (not shown when the
    // subscription is read back), not in the URL's query string, which ends up in request logs. Up to 10
    // events per POST (Event Grid schema POSTs are always an array): the function commits them together and
    // answers 200 only after the commit, so a failed commit retries the batch, which the ledger absorbs.
    destination: isHub
      ? null
      : {
          endpointType: 'WebHook'
          properties: {
            endpointUrl: webhookUrl
            maxEventsPerBatch: 10
            preferredBatchSizeInKilobytes: 64
            deliveryAttributeMappings: [
              {
                name: 'x-ledger-eventgrid-secret'
                type: 'Static'
                properties: {
                  value: webhookSecret
                  isSecret: true
                }
              }
            ]
          }
        }
    eventDeliverySchema: eventDeliverySchema
    filter: {
      includedEventTypes: emailReportEventTypes
    }
    retryPolicy: retryPolicy
    // Dead letters with the same identity (Storage Blob Data Contributor on this container only).
    deadLetterWithResourceIdentity: {
      identity: deliveryIdentity
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output systemTopicName string = systemTopic.name
output subscriptionName string = subscription.name
