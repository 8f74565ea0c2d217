// A diagnostic setting on an existing Azure Communication Services resource that streams the email log
// categories to the ledger's hub. Deployed into the ACS resource's own resource group (main.bicep sets
// the scope from its resource id); it may be in another subscription of the same tenant.
//
// Needs, for whoever deploys: Microsoft.Insights/diagnosticSettings/write on the ACS resource (Monitoring
// Contributor or Contributor) and ListKey on the hub's authorization rule (eventhubs.bicep). ACS is a
// global resource, so the "same region as the hub" rule for regional resources does not apply.

// Exactly the four categories the ledger handles (test/infra/diagnostics.test.ts keeps this list equal
// to them). Named one by one rather than with a category group such as allLogs, which would also send
// categories the ledger ignores, and which Azure Monitor bills for exporting.
var emailLogCategories = [
  'Usage'
  'EmailSendMailOperational'
  'EmailStatusUpdateOperational'
  'EmailUserEngagementOperational'
]

param communicationServiceName string
param settingName string
@description('Resource id of the namespace authorization rule Azure Monitor streams with (an id, not a key).')
param eventHubAuthorizationRuleId string
param eventHubName string

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: communicationServiceName
}

resource emailLogsToHub 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: communicationService
  properties: {
    eventHubAuthorizationRuleId: eventHubAuthorizationRuleId
    // Named hub: every category goes to this one hub (not one insights-logs-<category> hub each).
    eventHubName: eventHubName
    logs: [for category in emailLogCategories: {
      category: category
      enabled: true
    }]
  }
}
