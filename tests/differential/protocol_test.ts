import cases from "./cases/protocol.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("protocol", cases);
