// The standard gRPC protocols the server speaks besides its own: health checking
// and server reflection (v1, and v1alpha which many tools still use).
export {
  file_grpc_health_v1_health,
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus,
  HealthListRequestSchema,
  HealthListResponseSchema,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthListRequest,
  type HealthListResponse,
} from "./gen/grpc/health/v1/health_pb.js";
export {
  file_grpc_reflection_v1_reflection,
  ServerReflection,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "./gen/grpc/reflection/v1/reflection_pb.js";
export {
  file_grpc_reflection_v1alpha_reflection,
  ServerReflection as ServerReflectionV1Alpha,
  ServerReflectionRequestSchema as ServerReflectionRequestV1AlphaSchema,
  ServerReflectionResponseSchema as ServerReflectionResponseV1AlphaSchema,
  type ServerReflectionRequest as ServerReflectionRequestV1Alpha,
  type ServerReflectionResponse as ServerReflectionResponseV1Alpha,
} from "./gen/grpc/reflection/v1alpha/reflection_pb.js";
