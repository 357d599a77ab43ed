import cases from "./cases/tracking.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("tracking", cases);
