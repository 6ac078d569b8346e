/** The client library's public surface: connect to an office, call its methods, handle RpcErrors. */
export { ClusterClient, type CallOptions, type ClusterClientOptions, type MethodMap, type ResultSchemas } from './cluster-client.js'
export { CalendarClient, meetingOffice, type CalendarClientOptions, type SubscriptionOptions } from './calendar-client.js'
export { RpcConnection, type RpcConnectionOptions } from './rpc-connection.js'
export { RpcError, RPC_ERROR_CODES, isRetryable, type NotLeaderDetails, type RpcErrorBody, type RpcErrorCode } from '../rpc/rpc-error.js'
export { loadClusterConfig, parseClusterConfig, ConfigError, type LoadedClusterConfig } from '../config/load-cluster-config.js'
export type { ClusterConfig, OfficeConfig, ReplicaConfig } from '../config/cluster-config-schema.js'
