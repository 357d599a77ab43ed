import cases from "./cases/server.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("server", cases);
