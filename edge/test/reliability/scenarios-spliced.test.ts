/** The reliability scenarios against upstreams that speak the spliced-stream protocol, as our backends do. */
import { reliabilityScenarios } from "./scenarios";

reliabilityScenarios(true);
