namespace Entrance.Testing;

/// <summary>Paths inside the checkout, found from the test assembly's location.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string RedisConf => Path.Combine(Root, "redis", "redis.conf");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Entrance.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Entrance.sln not found above " + AppContext.BaseDirectory);
    }
}
