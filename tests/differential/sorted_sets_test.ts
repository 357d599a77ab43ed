import cases from "./cases/sorted_sets.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("sorted_sets", cases);
