// This project's wasm-simd backend as a backend module (the repros import it).
import { createBackend as make } from "../../../kernels/index.ts";

export const createBackend = () => make("wasm-simd");
