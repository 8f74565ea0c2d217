import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}
