/** Functions entry point (package.json "main"): importing a function module registers it. */
import './functions/ingestDiagnostics.js';
import './functions/dispatchAlertsTimer.js';
import './functions/httpApi.js';
import './functions/dashboardPage.js';
import './functions/eventGridWebhook.js';
