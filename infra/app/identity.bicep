// The function app's user-assigned identity. It exists before the app, so its role assignments
// (rbac.bicep, keyvault.bicep) are created, and have time to propagate, before the app starts for the
// first time. A system-assigned identity exists only once the app does: its first start, its first
// deployment and its Key Vault references would race the role assignments made for it.

param location string
param tags { *: string }
param name string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
// Every role assignment is granted to this principal.
output principalId string = identity.properties.principalId
// What every identity-based connection names (…__clientId, AZURE_CLIENT_ID): with a user-assigned
// identity, the platform and DefaultAzureCredential must be told which one.
output clientId string = identity.properties.clientId
