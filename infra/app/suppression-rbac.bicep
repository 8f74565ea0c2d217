// Only with suppressionLists: lets the function app's identity write one ACS suppression list, and
// nothing else. Deployed into the email service's own resource group (main.bicep sets the scope from the
// list's resource id; it may be another resource group or subscription of the same tenant).
//
// Why a custom role: the only built-in role that covers suppression-list addresses is "Communication and
// Email Service Owner" (09976791-48a7-449e-bb21-39d1a415f350), which also creates, changes and deletes
// email services, domains, sender usernames and Communication Services resources, and lists their keys.
// This role has exactly the three operations the sink and the CLI call (PUT, DELETE, GET of addresses).
// Operation names: Microsoft.Communication in "Azure resource provider operations" (docs/suppression.md).
//
// Needs, for whoever deploys: Microsoft.Authorization/roleDefinitions/write and roleAssignments/write on
// that resource group (User Access Administrator or Owner), as the other role assignments already do.

param functionPrincipalId string
param emailServiceName string
param domainName string

var suppressionListAddressActions = [
  'Microsoft.Communication/EmailServices/Domains/SuppressionLists/SuppressionListAddresses/read'
  'Microsoft.Communication/EmailServices/Domains/SuppressionLists/SuppressionListAddresses/write'
  'Microsoft.Communication/EmailServices/Domains/SuppressionLists/SuppressionListAddresses/delete'
]

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' existing = {
  name: emailServiceName
}

resource domain 'Microsoft.Communication/emailServices/domains@2023-04-01' existing = {
  parent: emailService
  name: domainName
}

// One definition per domain and identity: role names are unique in the tenant. Assignable in this
// resource group only (custom roles take management group, subscription or resource group scopes).
resource suppressionListWriter 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(domain.id, functionPrincipalId, 'suppression-list-writer')
  properties: {
    roleName: 'ACS suppression list writer (acs-email-ledger ${uniqueString(domain.id, functionPrincipalId)})'
    description: 'Add, read and remove the addresses of ACS Email suppression lists: nothing else.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: suppressionListAddressActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

// Scoped to the email service domain, not the service or the resource group: its lists only.
resource appSuppressionListWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(domain.id, functionPrincipalId, suppressionListWriter.id)
  scope: domain
  properties: {
    roleDefinitionId: suppressionListWriter.id
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}
