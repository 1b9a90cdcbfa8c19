using BenchmarkDotNet.Running;
using Entrance.Bench;

// bench/Entrance.Bench: `micro` runs the BenchmarkDotNet hot-path suite; `scenarios` measures propagation, outage and flood end to end;
// `three-routers` is the measuring side of bench/three-routers.sh.
return args.FirstOrDefault() switch
{
    "micro" => RunMicro(args[1..]),
    "scenarios" => await Scenarios.RunAsync(args[1..]),
    "three-routers" => await ThreeRouters.RunAsync(args[1..]),
    _ => Usage(),
};

static int RunMicro(string[] rest)
{
    BenchmarkSwitcher.FromTypes([typeof(HotPathBenchmarks), typeof(MetricsBenchmarks)]).Run(rest.Length == 0 ? ["--filter", "*"] : rest);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Entrance.Bench micro [BenchmarkDotNet args] | scenarios [--trials N] | three-routers latency|load ...");
    return 2;
}
