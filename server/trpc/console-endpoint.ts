import { getConfig } from '../config';
import type { TrpcEndpoint } from './direct-endpoint';
import { createTrpcHttpHandler } from './http-handler';
import { createContext } from './init';

/** The console's tRPC endpoint on this process's configuration: its edge policy and request limits. */
export function createConsoleTrpcEndpoint(): TrpcEndpoint {
  const config = getConfig();
  return createTrpcHttpHandler({ ...config.http, edge: config.edge, createContext });
}
