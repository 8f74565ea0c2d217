/**
 * Every view, in nav-bar order. Adding a view = one module under views/ and one line here.
 */
import type { View } from '../view.js';
import { alertsView } from './alerts.js';
import { deadLettersView } from './deadLetters.js';
import { messagesView } from './messages.js';
import { overviewView } from './overview.js';
import { engagementView } from './engagement.js';
import { failuresView } from './failures.js';
import { placeholder } from './placeholder.js';
import { providersView } from './providers.js';
import { suppressionsView } from './suppressions.js';

export const VIEWS: readonly View[] = [
  overviewView,
  providersView,
  failuresView,
  engagementView,
  placeholder('search', 'Search', 'Search'),
  suppressionsView,
  alertsView,
  deadLettersView,
  messagesView,
  placeholder('message', null, 'Message'),
  placeholder('recipient', null, 'Recipient'),
];

export const DEFAULT_VIEW = 'overview';
