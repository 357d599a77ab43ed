import cases from "./cases/hashes.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("hashes", cases);
