/** The toolchain version, recorded in every bundle. */
export const COMPILER_VERSION = "policy-toolchain/0.1.0";
