// Azure Monitor alerts on the ledger's alert log lines, so a hard bounce reaches people even with no
// webhook configured.
//
// Contract with the code (LEDGER_ALERT_LOG=true, the log sink): each alert is written to the function's
// log as ONE line, the literal prefix "LEDGER_ALERT " (13 characters, trailing space included) followed by
// the alert as compact JSON (src/alerts/alert.ts: type "hard_bounce" | "bounce_rate", messageId,
// recipient, status, senderDomain, ...). Workspace-based Application Insights stores those lines in the
// Log Analytics table AppTraces, column Message. substring(Message, 13) is the JSON.
//
// The ledger's own delivery (outbox + webhook) is the exactly-once path. These rules are a second, simpler
// path: a rule fires for every evaluation that finds new matching lines (autoMitigate off), one alert per
// distinct dimension value (the recipient for hard bounces, the sender domain for rates).
//
// Late lines: a rule's window (windowSize) filters on TimeGenerated, and a line is ingested minutes after
// its TimeGenerated. With the window equal to the frequency, a line ingested after the evaluation that
// covered its TimeGenerated would never be seen. So the window looks back lookBack (much longer than any
// ingestion delay), and the query keeps only lines INGESTED since the previous evaluation
// (ingestion_time() > ago(frequency)): each line is counted by the one evaluation after its ingestion,
// not by every overlapping window, so a line does not alert twice.

param location string
param tags { *: string }
param workspaceId string
param actionGroupName string
param ruleNamePrefix string
@description('Comma-separated email addresses. Empty: rules without an action group.')
param emailAddresses string
@description('ISO 8601 duration: how often the rules run; each run sees the lines ingested since the previous one.')
param evaluationFrequency string

@description('ISO 8601 duration: the window on TimeGenerated. Longer than any ingestion delay.')
param lookBack string = 'PT2H'

// The same duration as a KQL timespan, for ingestion_time() > ago(...).
var kqlFrequency = {
  PT1M: '1m'
  PT5M: '5m'
  PT10M: '10m'
  PT15M: '15m'
}[evaluationFrequency]

var emails = filter(map(split(emailAddresses, ','), address => trim(address)), address => !empty(address))
var hasEmails = !empty(emails)

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (hasEmails) {
  name: actionGroupName
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'ledgeralert' // at most 12 characters; shown in SMS and email subjects
    enabled: true
    emailReceivers: [for (address, i) in emails: {
      name: 'email-${i}'
      emailAddress: address
      useCommonAlertSchema: true
    }]
  }
}

var actionGroupIds = hasEmails ? [actionGroup.id] : []

// One row per hard-bounce alert line. Dimension columns must be strings.
var hardBounceQuery = replace('''
AppTraces
| where ingestion_time() > ago({frequency})
| where Message startswith "LEDGER_ALERT "
| extend alert = parse_json(substring(Message, 13))
| where tostring(alert.type) == "hard_bounce"
| project TimeGenerated,
    recipient = tostring(alert.recipient),
    senderDomain = iff(isempty(tostring(alert.senderDomain)), "(none)", tostring(alert.senderDomain)),
    status = tostring(alert.status),
    messageId = tostring(alert.messageId)
''', '{frequency}', kqlFrequency)

// One row per bounce-rate alert line (warning or critical crossing for a sender domain).
var bounceRateQuery = replace('''
AppTraces
| where ingestion_time() > ago({frequency})
| where Message startswith "LEDGER_ALERT "
| extend alert = parse_json(substring(Message, 13))
| where tostring(alert.type) == "bounce_rate"
| project TimeGenerated,
    senderDomain = tostring(alert.senderDomain),
    level = tostring(alert.level),
    rate = todouble(alert.rate)
''', '{frequency}', kqlFrequency)

resource hardBounceRule 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${ruleNamePrefix}-hard-bounce'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'ACS Email hard bounce'
    description: 'A recipient hard-bounced (or ACS suppressed a send to an address that bounced before). Remove the address from your lists. Lines: AppTraces where Message starts with "LEDGER_ALERT ".'
    severity: 1
    enabled: true
    scopes: [workspaceId]
    targetResourceTypes: ['Microsoft.OperationalInsights/workspaces']
    evaluationFrequency: evaluationFrequency
    windowSize: lookBack
    // AppTraces may not exist yet in a brand-new workspace (no telemetry so far); validating the query at
    // creation would then fail the deployment.
    skipQueryValidation: true
    criteria: {
      allOf: [
        {
          query: hardBounceQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'recipient'
              operator: 'Include'
              values: ['*']
            }
            {
              name: 'senderDomain'
              operator: 'Include'
              values: ['*']
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    // Stateless: every window with new hard bounces notifies again; nothing to "resolve".
    autoMitigate: false
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

resource bounceRateRule 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${ruleNamePrefix}-bounce-rate'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'ACS Email bounce rate over threshold'
    description: 'A sender domain\'s hard-bounce rate crossed LEDGER_BOUNCE_RATE_WARNING or _CRITICAL. Lines: AppTraces where Message starts with "LEDGER_ALERT ".'
    severity: 2
    enabled: true
    scopes: [workspaceId]
    targetResourceTypes: ['Microsoft.OperationalInsights/workspaces']
    evaluationFrequency: evaluationFrequency
    windowSize: lookBack
    skipQueryValidation: true
    criteria: {
      allOf: [
        {
          query: bounceRateQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'senderDomain'
              operator: 'Include'
              values: ['*']
            }
            {
              name: 'level'
              operator: 'Include'
              values: ['*']
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

// A batch the tables could not take before the host's retries ran out (src/functions/parkFailedBatch.ts):
// "ledger.batch_parked" means it waits in blob container ledger-parked for `acs-email-ledger replay
// --parked`; "ledger.batch_park_failed" means even that failed and the range must be re-read from the hub.
// Both are one JSON line in AppTraces.Message. Severity 1: data waits for a person either way.
var parkedBatchQuery = replace('''
AppTraces
| where ingestion_time() > ago({frequency})
| where Message has "ledger.batch_park"
| extend line = parse_json(Message)
| where tostring(line.event) in ("ledger.batch_parked", "ledger.batch_park_failed")
| project TimeGenerated, event = tostring(line.event), partition = tostring(line.partition)
''', '{frequency}', kqlFrequency)

resource parkedBatchRule 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${ruleNamePrefix}-batch-parked'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Ledger: batch parked after its retries ran out'
    description: 'A whole Event Hub batch was parked in blob container ledger-parked (run "acs-email-ledger replay --parked"), or could not even be parked. Lines: AppTraces where Message has "ledger.batch_park".'
    severity: 1
    enabled: true
    scopes: [workspaceId]
    targetResourceTypes: ['Microsoft.OperationalInsights/workspaces']
    evaluationFrequency: evaluationFrequency
    windowSize: lookBack
    skipQueryValidation: true
    criteria: {
      allOf: [
        {
          query: parkedBatchQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'event'
              operator: 'Include'
              values: ['*']
            }
            {
              name: 'partition'
              operator: 'Include'
              values: ['*']
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: {
      actionGroups: actionGroupIds
    }
  }
}
