/**
 * Every view, in nav-bar order. Adding a view = one module under views/ and one line here.
 */
import type { View } from '../view.js';
import { alertsView } from './alerts.js';
import { deadLettersView } from './deadLetters.js';
import { engagementView } from './engagement.js';
import { failuresView } from './failures.js';
import { messageView } from './message.js';
import { messagesView } from './messages.js';
import { overviewView } from './overview.js';
import { providersView } from './providers.js';
import { recipientView } from './recipient.js';
import { searchView } from './search.js';
import { suppressionsView } from './suppressions.js';

export const VIEWS: readonly View[] = [
  overviewView,
  providersView,
  failuresView,
  engagementView,
  searchView,
  suppressionsView,
  alertsView,
  deadLettersView,
  messagesView,
  messageView,
  recipientView,
];

export const DEFAULT_VIEW = 'overview';
