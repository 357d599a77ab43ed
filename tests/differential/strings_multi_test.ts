import cases from "./cases/strings_multi.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("strings_multi", cases);
