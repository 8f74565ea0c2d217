/**
 * Every view, in nav-bar order. Adding a view = one module under views/ and one line here.
 */
import type { View } from '../view.js';
import { messageView } from './message.js';
import { messagesView } from './messages.js';
import { overviewView } from './overview.js';
import { placeholder } from './placeholder.js';
import { recipientView } from './recipient.js';
import { searchView } from './search.js';

export const VIEWS: readonly View[] = [
  overviewView,
  placeholder('providers', 'Providers', 'Providers'),
  placeholder('failures', 'Failures', 'Failures'),
  placeholder('engagement', 'Engagement', 'Engagement'),
  searchView,
  placeholder('suppressions', 'Suppressions', 'Suppressions'),
  placeholder('alerts', 'Alerts', 'Alerts'),
  placeholder('deadletters', 'Dead letters', 'Dead letters'),
  messagesView,
  messageView,
  recipientView,
];

export const DEFAULT_VIEW = 'overview';
