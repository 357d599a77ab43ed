import cases from "./cases/connection.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("connection", cases);
