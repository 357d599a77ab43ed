import cases from "./cases/memory.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("memory", cases);
