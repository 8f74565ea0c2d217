// Log Analytics workspace + workspace-based Application Insights: the function's telemetry.
// The ledger's alert log lines ("LEDGER_ALERT {json}") land in the workspace table AppTraces, where the
// scheduled-query rules of alerts.bicep look for them.

param location string
param tags { *: string }
param workspaceName string
param applicationInsightsName string
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    // Entra ID ingestion only: the instrumentation key in the connection string is an identifier, not a
    // credential. The app authenticates with its identity (Monitoring Metrics Publisher, rbac.bicep).
    DisableLocalAuth: true
  }
}

output workspaceId string = workspace.id
output workspaceName string = workspace.name
output applicationInsightsName string = applicationInsights.name
