package istio

import (
	_ "istio.io/istio/pilot/pkg/simulation"
	_ "istio.io/istio/pilot/pkg/xds"
	_ "istio.io/istio/pkg/config/analysis/analyzers"
	_ "istio.io/istio/pkg/config/analysis/local"
	_ "istio.io/istio/pkg/config/validation"
)
