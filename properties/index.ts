/**
 * The harness as a library (`import … from 'd2l-convnet-harness'`): the suite runner, its reports,
 * the judges and error models it compares with, the backend interface a port implements and the
 * errors it throws. The reference is `d2l-convnet-harness/reference`; the vitest form is
 * `d2l-convnet-harness/vitest`; the command is `npx d2l-convnet-harness check MODULE`.
 */
export {
  assertSelectable, DEFAULT_SEED, describeFailure, runProperty, runPropertySuite, selectProperties,
  type ExpectedDifference, type PropertyResult, type PropertyStatus, type SuiteOptions,
} from './suite.ts';
export { formatSummary, junitXml, mergeReports, suiteReport, type ReportScope, type SuiteReport } from './reports.ts';
export { assertUnchanged, EXPECTATIONS, judge, type Expect, type Expectation } from './judges.ts';
export { compareScalars, compareTensors, PropertyViolation, type CompareOptions, type Comparison } from './compare.ts';
export * as tolerance from './tolerance.ts';
export { float32Tensor, type ValueKind } from './tensors.ts';
export { backendFromModule, type BackendModule } from './backendModule.ts';
export { decodeValue, encodeValue, reproScript, type FailingCall } from './repro.ts';
export { loadRegressions, storeRegression, REGRESSIONS_DIR, type RegressionCase } from './regressions.ts';
export type { BackendProperty, CheckContext, PropertyKind } from './property.ts';
export {
  completeBackend, implementedOperations, isUnsupportedOption, NotImplementedError, OPERATION_NAMES, UNSUPPORTED_OPTION_CODE,
  UnsupportedOptionError, type Backend, type DeviceMemory, type OperationName, type PartialBackend,
} from '../kernels/backend.ts';
export { isOperatorInputError, OPERATOR_INPUT_ERROR_CODE, OperatorInputError } from '../reference/errors.ts';
export type { Tensor } from '../reference/tensor.ts';
