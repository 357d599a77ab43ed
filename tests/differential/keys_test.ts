import cases from "./cases/keys.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("keys", cases);
