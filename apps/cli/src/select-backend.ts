import { type BackendReport, selectBackend } from '@diffbatt/core/backend';

/** The backend of a command: the one its --backend option names, else the fastest that loads. */
export const selectCommandBackend = (backend: string | undefined): Promise<BackendReport> =>
  selectBackend(backend === undefined ? {} : { backend, requestedBy: 'the --backend option' });
