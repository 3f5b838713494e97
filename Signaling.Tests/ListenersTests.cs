using Microsoft.Extensions.Configuration;
using Signaling.Hub.Common;

namespace Signaling.Tests;

/// <summary>
/// The addresses bound before the service has started must be the ones Kestrel then asks for, or
/// the early socket goes unused and the port is closed while starting, as if it had never been bound.
/// </summary>
public sealed class ListenersTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5123", "127.0.0.1:5123")]
    [InlineData("http://localhost:5123", "127.0.0.1:5123 [::1]:5123")]
    [InlineData("http://*:5123", "[::]:5123")]
    [InlineData("http://+:5123", "[::]:5123")]
    [InlineData("https://signaling.example:5443", "[::]:5443")]
    [InlineData("http://[::1]:5123; http://0.0.0.0:5124", "[::1]:5123 0.0.0.0:5124")]
    [InlineData("http://127.0.0.1:0", "")]
    [InlineData("http://unix:/run/signaling.sock", "")]
    public void The_urls_setting_is_bound_as_kestrel_binds_it(string urls, string endpoints) =>
        Assert.Equal(endpoints, Resolve(new() { ["urls"] = urls }));

    [Fact]
    public void Kestrel_endpoints_in_configuration_win_over_urls_as_they_do_in_kestrel() =>
        Assert.Equal("127.0.0.1:6001", Resolve(new() { ["urls"] = "http://127.0.0.1:5123", ["Kestrel:Endpoints:Main:Url"] = "http://127.0.0.1:6001" }));

    [Fact]
    public void Container_ports_are_every_address() =>
        Assert.Equal("[::]:8080 [::]:8443", Resolve(new() { ["http_ports"] = "8080", ["https_ports"] = "8443" }));

    [Fact]
    public void Without_a_configured_address_nothing_is_bound_early() =>
        Assert.Equal("", Resolve([]));

    private static string Resolve(Dictionary<string, string?> settings) =>
        string.Join(' ', Listeners.ConfiguredEndpoints(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()));
}
