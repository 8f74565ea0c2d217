/**
 * Every view, in nav-bar order. Adding a view = one module under views/ and one line here.
 */
import type { View } from '../view.js';
import { messageView } from './message.js';
import { messagesView } from './messages.js';
import { overviewView } from './overview.js';
import { engagementView } from './engagement.js';
import { failuresView } from './failures.js';
import { placeholder } from './placeholder.js';
import { providersView } from './providers.js';
import { recipientView } from './recipient.js';
import { searchView } from './search.js';

export const VIEWS: readonly View[] = [
  overviewView,
  providersView,
  failuresView,
  engagementView,
  searchView,
  placeholder('suppressions', 'Suppressions', 'Suppressions'),
  placeholder('alerts', 'Alerts', 'Alerts'),
  placeholder('deadletters', 'Dead letters', 'Dead letters'),
  messagesView,
  messageView,
  recipientView,
];

export const DEFAULT_VIEW = 'overview';
