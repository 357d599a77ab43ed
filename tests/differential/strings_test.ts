import cases from "./cases/strings.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("strings", cases);
