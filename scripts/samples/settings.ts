// Where the samples go and how big the stream is.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SEED = 20_250_314;
export const SAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'samples');

export const MESSAGE_COUNT = 400;
export const EVENTS_DIR = 'events';
export const ARCHIVE_FILE = 'archive/PT1H.json';
export const BATCHES_FILE = 'batches.json';
export const EVENT_FILE_PATTERN = /^event-\d{3}\.json$/;
export const MAX_TOTAL_BYTES = 3 * 1024 * 1024;
export const EVENTGRID_DIR = 'eventgrid';
export const EVENTGRID_DELIVERIES = 'eventgrid/deliveries.json';
export const EVENTGRID_ENGAGEMENT = 'eventgrid/engagement.ndjson';
