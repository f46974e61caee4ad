#!/usr/bin/env python3
"""Writes the plan JSON scenarios in this folder.

Each scenario is described below as Terraform would see it (resources with their prior and
planned values, the configuration's expressions), and rendered the way `terraform show -json`
renders a plan (nsg-semantics §5): `after` without unknown values, `after_unknown` /
`*_sensitive` built like Terraform's `unknownAsBool`/`sensitiveAsBool`, object keys sorted,
`planned_values` and `prior_state` as module trees, `configuration` with module-relative
addresses. Sets (NSG rules, port lists) are in a fixed non-priority order, as Terraform's set
hashing would leave them. The output is pretty-printed (as `| jq .` would) so that spans in
snapshots have readable line numbers; `existing-noop` is compact, as Terraform writes it.

Run: python3 testdata/plan/generate.py   (writes testdata/plan/<case>/plan.json)
"""
import json
import os
import sys

UNK = object()  # known after apply
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
PROVIDER = "registry.terraform.io/hashicorp/azurerm"
AZAPI_PROVIDER = "registry.terraform.io/azure/azapi"


def provider_of(rtype):
    return AZAPI_PROVIDER if rtype.startswith("azapi_") else PROVIDER


def rid(rg, kind, *names):
    path = f"{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/{kind}/{names[0]}"
    if kind == "virtualNetworks" and len(names) > 1:
        path += f"/subnets/{names[1]}"
    return path


# ---------------------------------------------------------------- value rendering


def omit_unknowns(v):
    if v is UNK:
        return UNK
    if isinstance(v, list):
        return [None if omit_unknowns(x) is UNK else omit_unknowns(x) for x in v]
    if isinstance(v, dict):
        return {k: omit_unknowns(x) for k, x in sorted(v.items()) if x is not UNK}
    return v


def unknown_as_bool(v):
    if v is None:
        return False
    if v is UNK:
        return True
    if isinstance(v, list):
        return [unknown_as_bool(x) for x in v]
    if isinstance(v, dict):
        out = {}
        for k, x in sorted(v.items()):
            b = unknown_as_bool(x)
            if b is not False:
                out[k] = b
        return out
    return False


def sensitive_as_bool(v):
    if v is None or v is UNK:
        return False
    if isinstance(v, list):
        return [sensitive_as_bool(x) for x in v]
    if isinstance(v, dict):
        out = {}
        for k, x in sorted(v.items()):
            b = sensitive_as_bool(x)
            if b is not False:
                out[k] = b
        return out
    return False


# ---------------------------------------------------------------- azurerm shapes


def rule(name, priority, access, protocol, src, dst, dports="*", sports="*",
         direction="Inbound", desc=""):
    """An inline security_rule object: every attribute present, "" and [] for unset."""
    r = {
        "access": access, "description": desc, "direction": direction, "name": name,
        "priority": priority, "protocol": protocol,
        "source_application_security_group_ids": [],
        "destination_application_security_group_ids": [],
    }
    for side, val in (("source", src), ("destination", dst)):
        if isinstance(val, list):
            r[f"{side}_address_prefix"], r[f"{side}_address_prefixes"] = "", sorted(val)
        else:
            r[f"{side}_address_prefix"], r[f"{side}_address_prefixes"] = val, []
    for side, val in (("source", sports), ("destination", dports)):
        if isinstance(val, list):
            r[f"{side}_port_range"], r[f"{side}_port_ranges"] = "", sorted(val)
        else:
            r[f"{side}_port_range"], r[f"{side}_port_ranges"] = val, []
    return r


def standalone_rule(name, priority, access, protocol, src, dst, nsg_name, rg, dports="*",
                    sports="*", direction="Inbound", rule_id=UNK):
    """An azurerm_network_security_rule: unset optional attributes are null."""
    r = rule(name, priority, access, protocol, src, dst, dports, sports, direction)
    for k, v in list(r.items()):
        if v == "" or v == []:
            r[k] = None
    r.update({"id": rule_id, "network_security_group_name": nsg_name,
              "resource_group_name": rg, "timeouts": None})
    return r


def rg_values(name, known):
    return {"id": f"{SUB}/resourceGroups/{name}" if known else UNK, "location": "westeurope",
            "managed_by": None, "name": name, "tags": None, "timeouts": None}


def vnet_values(name, rg, space, known, subnets=UNK):
    return {"address_space": space, "bgp_community": None, "ddos_protection_plan": [],
            "dns_servers": [] if known else UNK, "edge_zone": None, "encryption": [],
            "flow_timeout_in_minutes": None, "guid": "3f9a6c1e-6f1b-4c1d-9a55-0c1f3e2d4b7a" if known else UNK,
            "id": rid(rg, "virtualNetworks", name) if known else UNK,
            "location": "westeurope", "name": name, "resource_group_name": rg,
            "subnet": subnets, "tags": None, "timeouts": None}


def subnet_values(name, rg, vnet, prefixes, known):
    return {"address_prefixes": prefixes, "default_outbound_access_enabled": True,
            "delegation": [], "id": rid(rg, "virtualNetworks", vnet, name) if known else UNK,
            "name": name, "private_endpoint_network_policies": "Disabled",
            "private_link_service_network_policies_enabled": True,
            "resource_group_name": rg, "service_endpoint_policy_ids": None,
            "service_endpoints": None, "timeouts": None, "virtual_network_name": vnet}


def nsg_values(name, rg, rules, known):
    return {"id": rid(rg, "networkSecurityGroups", name) if known else UNK,
            "location": "westeurope", "name": name, "resource_group_name": rg,
            "security_rule": rules, "tags": None, "timeouts": None}


def assoc_values(subnet_id, nsg_id):
    return {"id": subnet_id, "network_security_group_id": nsg_id, "subnet_id": subnet_id,
            "timeouts": None}


def nic_values(name, rg, ipconfig_name, subnet_id, private_ip, known, allocation="Dynamic"):
    return {"accelerated_networking_enabled": False, "applied_dns_servers": [] if known else UNK,
            "auxiliary_mode": "", "auxiliary_sku": "", "dns_servers": [] if known else UNK,
            "edge_zone": "", "id": rid(rg, "networkInterfaces", name) if known else UNK,
            "internal_dns_name_label": "" if known else UNK,
            "internal_domain_name_suffix": "x.ax.internal.cloudapp.net" if known else UNK,
            "ip_configuration": [{
                "gateway_load_balancer_frontend_ip_configuration_id": "",
                "name": ipconfig_name, "primary": True if known else UNK,
                "private_ip_address": private_ip,
                "private_ip_address_allocation": allocation,
                "private_ip_address_version": "IPv4", "public_ip_address_id": "",
                "subnet_id": subnet_id}],
            "ip_forwarding_enabled": False, "location": "westeurope",
            "mac_address": "00-0D-3A-2B-4C-5D" if known else UNK, "name": name,
            "private_ip_address": private_ip, "private_ip_addresses": [private_ip] if known else UNK,
            "resource_group_name": rg, "tags": None, "timeouts": None,
            "virtual_machine_id": "" if known else UNK}


def nic_assoc_values(nic_id, nsg_id):
    return {"id": UNK if nic_id is UNK or nsg_id is UNK else f"{nic_id}|{nsg_id}",
            "network_interface_id": nic_id, "network_security_group_id": nsg_id,
            "timeouts": None}


def refs(*targets):
    """The `references` of an expression: each traversal plus its shorter prefixes."""
    out = []
    for t in targets:
        out.append(t)
        parts = t.split(".")
        if t.endswith((".id", ".name")) and len(parts) > 2:
            out.append(t.rsplit(".", 1)[0])
    return {"references": out}


def const(v):
    return {"constant_value": v}


# ---------------------------------------------------------------- plan assembly


class Res:
    def __init__(self, module, rtype, name, after, before=None, actions=("create",), index=None,
                 mode="managed", action_reason=None):
        self.module = module  # e.g. ['module.net', 'module.nsg["a"]'] rendered steps
        self.rtype, self.name, self.index, self.mode = rtype, name, index, mode
        self.after, self.before, self.actions = after, before, list(actions)
        self.action_reason = action_reason

    @property
    def module_address(self):
        return ".".join(self.module)

    @property
    def address(self):
        base = f"{'data.' if self.mode == 'data' else ''}{self.rtype}.{self.name}"
        if self.index is not None:
            base += f"[{json.dumps(self.index)}]"
        return f"{self.module_address}.{base}" if self.module else base


def value_resource(r, values):
    out = {"address": r.address, "mode": r.mode, "type": r.rtype, "name": r.name}
    if r.index is not None:
        out["index"] = r.index
    out.update({"provider_name": provider_of(r.rtype), "schema_version": 0,
                "values": omit_unknowns(values), "sensitive_values": sensitive_as_bool(values)})
    return out


def module_tree(resources, pick):
    """planned_values / prior_state layout: root_module with nested child_modules."""
    root = {"resources": [], "children": {}}
    for r in sorted(resources, key=lambda r: r.address):
        values = pick(r)
        if values is None:
            continue
        node = root
        for i in range(len(r.module)):
            key = ".".join(r.module[: i + 1])
            node = node["children"].setdefault(key, {"resources": [], "children": {}})
        node["resources"].append(value_resource(r, values))

    def render(node, address=None):
        out = {}
        if node["resources"]:
            out["resources"] = node["resources"]
        if address:
            out["address"] = address
        if node["children"]:
            out["child_modules"] = [render(c, a) for a, c in sorted(node["children"].items())]
        return out

    return render(root)


def change(r):
    out = {"address": r.address}
    if r.module:
        out["module_address"] = r.module_address
    out.update({"mode": r.mode, "type": r.rtype, "name": r.name})
    if r.index is not None:
        out["index"] = r.index
    after = None if r.actions == ["delete"] else r.after
    out["provider_name"] = provider_of(r.rtype)
    out["change"] = {
        "actions": r.actions,
        "before": omit_unknowns(r.before) if r.before is not None else None,
        "after": omit_unknowns(after) if after is not None else None,
        "after_unknown": unknown_as_bool(after) if after is not None else {},
        "before_sensitive": sensitive_as_bool(r.before) if r.before is not None else False,
        "after_sensitive": sensitive_as_bool(after) if after is not None else False,
    }
    if r.action_reason:
        out["action_reason"] = r.action_reason
    return out


def plan(resources, configuration, variables=None, tf_version="1.9.4", fmt="1.2"):
    existing = [r for r in resources if r.before is not None]
    out = {"format_version": fmt, "terraform_version": tf_version}
    if variables:
        out["variables"] = {k: {"value": v} for k, v in variables.items()}
    out["planned_values"] = {"root_module": module_tree(
        [r for r in resources if r.actions != ["delete"] and r.mode == "managed"],
        lambda r: r.after)}
    out["resource_changes"] = [change(r) for r in sorted(
        [r for r in resources if r.mode == "managed" or r.actions == ["read"]],
        key=lambda r: r.address)]
    if existing:
        out["prior_state"] = {"format_version": "1.0", "terraform_version": tf_version,
                              "values": {"root_module": module_tree(existing, lambda r: r.before)}}
    out["configuration"] = configuration
    out["timestamp"] = "2026-11-20T09:14:03Z"
    out["applyable"] = True
    out["complete"] = True
    out["errored"] = False
    return out


def cres(rtype, name, expressions, mode="managed", count=None, for_each=None, key="azurerm"):
    r = {"address": f"{'data.' if mode == 'data' else ''}{rtype}.{name}", "mode": mode,
         "type": rtype, "name": name, "provider_config_key": key,
         "expressions": expressions, "schema_version": 0}
    if count is not None:
        r["count_expression"] = count
    if for_each is not None:
        r["for_each_expression"] = for_each
    return r


PROVIDER_CONFIG = {"azurerm": {"name": "azurerm", "full_name": PROVIDER,
                               "version_constraint": "~> 3.110",
                               "expressions": {"features": [{}]}}}


def configuration(root_module):
    return {"provider_config": PROVIDER_CONFIG, "root_module": root_module}


def write(case, doc, compact=False):
    here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(os.path.join(here, case), exist_ok=True)
    with open(os.path.join(here, case, "plan.json"), "w") as f:
        if compact:
            f.write(json.dumps(doc, separators=(",", ":")))
        else:
            f.write(json.dumps(doc, indent=2) + "\n")


# ---------------------------------------------------------------- the seed incident (§0)

RG, VNET, SUBNET_NAME, NSG_NAME = "rg-cs", "vnet-cs", "roles", "nsg-roles"
ALLOW_LB = rule("AllowLB", 200, "Allow", "*", "AzureLoadBalancer", "*")
ALLOW_LOCAL_RDP = rule("AllowLocalRDP", 300, "Allow", "Tcp", "172.16.0.0", "10.1.0.0/24",
                       dports=["3389", "20000"])
ALLOW_INSTANCES = rule("AllowInstances", 350, "Allow", "Tcp", "10.1.0.0/24", "10.1.0.0/24",
                       dports=["3389", "20000"])
DENY_ALL = rule("DenyAll", 400, "Deny", "*", "*", "*")
# Set order: Terraform's hash order, not priority order.
BROKEN_RULES = [DENY_ALL, ALLOW_LOCAL_RDP, ALLOW_LB]
FIXED_RULES = [ALLOW_INSTANCES, DENY_ALL, ALLOW_LOCAL_RDP, ALLOW_LB]


def incident_config(rules):
    return configuration({"resources": [
        cres("azurerm_network_security_group", "roles", {
            "location": refs("azurerm_resource_group.cs.location"),
            "name": const(NSG_NAME),
            "resource_group_name": refs("azurerm_resource_group.cs.name"),
            "security_rule": const(rules)}),
        cres("azurerm_resource_group", "cs", {"location": const("westeurope"), "name": const(RG)}),
        cres("azurerm_subnet", "roles", {
            "address_prefixes": const(["10.1.0.0/24"]), "name": const(SUBNET_NAME),
            "resource_group_name": refs("azurerm_resource_group.cs.name"),
            "virtual_network_name": refs("azurerm_virtual_network.cs.name")}),
        cres("azurerm_subnet_network_security_group_association", "roles", {
            "network_security_group_id": refs("azurerm_network_security_group.roles.id"),
            "subnet_id": refs("azurerm_subnet.roles.id")}),
        cres("azurerm_virtual_network", "cs", {
            "address_space": const(["10.1.0.0/16"]),
            "location": refs("azurerm_resource_group.cs.location"),
            "name": const(VNET),
            "resource_group_name": refs("azurerm_resource_group.cs.name")}),
    ]})


def incident_first_deploy(rules):
    return [
        Res([], "azurerm_resource_group", "cs", rg_values(RG, False) | {"id": UNK}),
        Res([], "azurerm_virtual_network", "cs", vnet_values(VNET, RG, ["10.1.0.0/16"], False)),
        Res([], "azurerm_subnet", "roles",
            subnet_values(SUBNET_NAME, RG, VNET, ["10.1.0.0/24"], False)),
        Res([], "azurerm_network_security_group", "roles", nsg_values(NSG_NAME, RG, rules, False)),
        Res([], "azurerm_subnet_network_security_group_association", "roles",
            assoc_values(UNK, UNK)),
    ]


def incident_existing(before_rules, after_rules, nsg_actions=("no-op",)):
    """The incident's infrastructure as it exists in Azure, every id known."""
    subnet_id = rid(RG, "virtualNetworks", VNET, SUBNET_NAME)
    nsg_id = rid(RG, "networkSecurityGroups", NSG_NAME)
    subnets_mirror = [{"address_prefixes": ["10.1.0.0/24"], "default_outbound_access_enabled": True,
                       "delegation": [], "id": subnet_id, "name": SUBNET_NAME,
                       "private_endpoint_network_policies": "Disabled",
                       "private_link_service_network_policies_enabled": True,
                       "route_table_id": "", "security_group": nsg_id,
                       "service_endpoint_policy_ids": [], "service_endpoints": []}]
    vnet = vnet_values(VNET, RG, ["10.1.0.0/16"], True, subnets_mirror)
    nsg_before = nsg_values(NSG_NAME, RG, before_rules, True)
    nsg_after = nsg_values(NSG_NAME, RG, after_rules, True)
    noop = ("no-op",)
    return [
        Res([], "azurerm_resource_group", "cs", rg_values(RG, True), rg_values(RG, True), noop),
        Res([], "azurerm_virtual_network", "cs", vnet, vnet, noop),
        Res([], "azurerm_subnet", "roles",
            subnet_values(SUBNET_NAME, RG, VNET, ["10.1.0.0/24"], True),
            subnet_values(SUBNET_NAME, RG, VNET, ["10.1.0.0/24"], True), noop),
        Res([], "azurerm_network_security_group", "roles", nsg_after, nsg_before, nsg_actions),
        Res([], "azurerm_subnet_network_security_group_association", "roles",
            assoc_values(subnet_id, nsg_id), assoc_values(subnet_id, nsg_id), noop),
    ]


def incident_cases():
    write("incident-broken", plan(incident_first_deploy(BROKEN_RULES), incident_config(BROKEN_RULES)))
    write("incident-fixed", plan(incident_first_deploy(FIXED_RULES), incident_config(FIXED_RULES)))
    # Existing infrastructure, nothing to change: compact, as Terraform writes it.
    write("existing-noop",
          plan(incident_existing(FIXED_RULES, FIXED_RULES), incident_config(FIXED_RULES),
               tf_version="1.6.6"),
          compact=True)
    # Someone "tidies up" the NSG and drops the intra-subnet allow: an in-place update.
    write("update-removes-intra-subnet-allow",
          plan(incident_existing(FIXED_RULES, BROKEN_RULES, ("update",)),
               incident_config(BROKEN_RULES)))


# ---------------------------------------------------------------- nested modules


def nested_modules_case():
    rg = "rg-app"
    prefix = "10.3.1.0/24"
    nsg_rules = [
        rule("DenyInternetRdp", 4000, "Deny", "Tcp", "Internet", "*", dports="3389"),
        rule("AllowIntraSubnetRdp", 310, "Allow", "Tcp", prefix, prefix, dports=["3389", "20000"]),
    ]
    net = ["module.network"]
    nsg_mod = ["module.network", "module.nsg"]
    app = ["module.app"]
    resources = [
        Res([], "azurerm_resource_group", "main", rg_values(rg, False)),
        Res(net, "azurerm_virtual_network", "this", vnet_values("vnet-app", rg, ["10.3.0.0/16"], False)),
        Res(net, "azurerm_subnet", "this", subnet_values("app", rg, "vnet-app", [prefix], False)),
        Res(net, "azurerm_subnet_network_security_group_association", "this", assoc_values(UNK, UNK)),
        Res(nsg_mod, "azurerm_network_security_group", "this", nsg_values("nsg-app", rg, nsg_rules, False)),
        Res(app, "azurerm_network_interface", "this",
            nic_values("nic-app-1", rg, "internal", UNK, UNK, False)),
        Res(app, "azurerm_network_interface_security_group_association", "this",
            nic_assoc_values(UNK, UNK)),
    ]
    nsg_module = {
        "outputs": {"id": {"expression": refs("azurerm_network_security_group.this.id")}},
        "resources": [cres("azurerm_network_security_group", "this", {
            "location": const("westeurope"), "name": refs("var.name"),
            "resource_group_name": refs("var.resource_group_name"),
            "security_rule": {"references": ["var.allowed_prefix"]}}, key="module.network.module.nsg:azurerm")],
        "variables": {"allowed_prefix": {}, "name": {}, "resource_group_name": {}},
    }
    network_module = {
        "outputs": {
            "nsg_id": {"expression": {"references": ["module.nsg.id", "module.nsg"]}},
            "subnet_id": {"expression": refs("azurerm_subnet.this.id")},
        },
        "resources": [
            cres("azurerm_subnet", "this", {
                "address_prefixes": {"references": ["var.subnet_prefix"]}, "name": const("app"),
                "resource_group_name": refs("var.resource_group_name"),
                "virtual_network_name": refs("azurerm_virtual_network.this.name")},
                key="module.network:azurerm"),
            cres("azurerm_subnet_network_security_group_association", "this", {
                "network_security_group_id": {"references": ["module.nsg.id", "module.nsg"]},
                "subnet_id": refs("azurerm_subnet.this.id")}, key="module.network:azurerm"),
            cres("azurerm_virtual_network", "this", {
                "address_space": refs("var.address_space"), "location": const("westeurope"),
                "name": const("vnet-app"),
                "resource_group_name": refs("var.resource_group_name")},
                key="module.network:azurerm"),
        ],
        "module_calls": {"nsg": {
            "source": "./nsg",
            "expressions": {"allowed_prefix": refs("var.subnet_prefix"), "name": const("nsg-app"),
                            "resource_group_name": refs("var.resource_group_name")},
            "module": nsg_module}},
        "variables": {"address_space": {}, "resource_group_name": {}, "subnet_prefix": {}},
    }
    app_module = {
        "resources": [
            cres("azurerm_network_interface", "this", {
                "ip_configuration": [{"name": const("internal"),
                                      "private_ip_address_allocation": const("Dynamic"),
                                      "subnet_id": refs("var.subnet_id")}],
                "location": const("westeurope"), "name": const("nic-app-1"),
                "resource_group_name": refs("var.resource_group_name")}, key="module.app:azurerm"),
            cres("azurerm_network_interface_security_group_association", "this", {
                "network_interface_id": refs("azurerm_network_interface.this.id"),
                "network_security_group_id": refs("var.nsg_id")}, key="module.app:azurerm"),
        ],
        "variables": {"nsg_id": {}, "resource_group_name": {}, "subnet_id": {}},
    }
    root = {
        "resources": [cres("azurerm_resource_group", "main", {"location": const("westeurope"),
                                                              "name": const(rg)})],
        "module_calls": {
            "app": {"source": "./modules/app", "expressions": {
                "nsg_id": {"references": ["module.network.nsg_id", "module.network"]},
                "resource_group_name": refs("azurerm_resource_group.main.name"),
                "subnet_id": {"references": ["module.network.subnet_id", "module.network"]}},
                "module": app_module},
            "network": {"source": "./modules/network", "expressions": {
                "address_space": const(["10.3.0.0/16"]),
                "resource_group_name": refs("azurerm_resource_group.main.name"),
                "subnet_prefix": const(prefix)}, "module": network_module},
        },
    }
    write("nested-modules", plan(resources, configuration(root)))


# ---------------------------------------------------------------- count and for_each


def count_for_each_case():
    rg, vnet = "rg-tiers", "vnet-tiers"
    tiers = {"web": "10.2.1.0/24", "app": "10.2.2.0/24", "db": "10.2.3.0/24"}
    resources = [
        Res([], "azurerm_resource_group", "main", rg_values(rg, False)),
        Res([], "azurerm_virtual_network", "main", vnet_values(vnet, rg, ["10.2.0.0/16"], False)),
    ]
    for key, prefix in tiers.items():
        resources.append(Res([], "azurerm_subnet", "tier",
                             subnet_values(f"snet-{key}", rg, vnet, [prefix], False), index=key))
        rules = [rule("DenyAllInbound", 4000, "Deny", "*", "*", "*"),
                 rule("AllowIntraTier", 300, "Allow", "Tcp", prefix, prefix,
                      dports=["3389", "20000"])]
        resources.append(Res([], "azurerm_network_security_group", "tier",
                             nsg_values(f"nsg-{key}", rg, rules, False), index=key))
    for key in ("web", "app"):
        resources.append(Res([], "azurerm_subnet_network_security_group_association", "tier",
                             assoc_values(UNK, UNK), index=key))
    # Bound through each.value: the plan cannot say which subnet, so the link is unknown.
    resources.append(Res([], "azurerm_subnet_network_security_group_association", "bound",
                         assoc_values(UNK, UNK), index="db"))
    for i in range(2):
        resources.append(Res([], "azurerm_network_interface", "vm",
                             nic_values(f"vm-{i}-nic", rg, "internal", UNK, f"10.2.1.{10 + i}",
                                        False, allocation="Static"), index=i))
        resources.append(Res([], "azurerm_network_interface_security_group_association", "vm",
                             nic_assoc_values(UNK, UNK), index=i))
    web_subnet = ['azurerm_subnet.tier["web"].id', 'azurerm_subnet.tier["web"]', "azurerm_subnet.tier"]
    web_nsg = ['azurerm_network_security_group.tier["web"].id',
               'azurerm_network_security_group.tier["web"]', "azurerm_network_security_group.tier"]
    root = {
        "resources": [
            cres("azurerm_network_interface", "vm", {
                "ip_configuration": [{"name": const("internal"),
                                      "private_ip_address": {"references": ["count.index"]},
                                      "private_ip_address_allocation": const("Static"),
                                      "subnet_id": {"references": web_subnet}}],
                "location": refs("azurerm_resource_group.main.location"),
                "name": {"references": ["count.index"]},
                "resource_group_name": refs("azurerm_resource_group.main.name")},
                count=const(2)),
            cres("azurerm_network_interface_security_group_association", "vm", {
                "network_interface_id": {"references": ["azurerm_network_interface.vm", "count.index"]},
                "network_security_group_id": {"references": web_nsg}}, count=const(2)),
            cres("azurerm_network_security_group", "tier", {
                "location": refs("azurerm_resource_group.main.location"),
                "name": {"references": ["each.key"]},
                "resource_group_name": refs("azurerm_resource_group.main.name"),
                "security_rule": {"references": ["each.value"]}},
                for_each={"references": ["var.tiers"]}),
            cres("azurerm_resource_group", "main", {"location": const("westeurope"), "name": const(rg)}),
            cres("azurerm_subnet", "tier", {
                "address_prefixes": {"references": ["each.value"]},
                "name": {"references": ["each.key"]},
                "resource_group_name": refs("azurerm_resource_group.main.name"),
                "virtual_network_name": refs("azurerm_virtual_network.main.name")},
                for_each={"references": ["var.tiers"]}),
            cres("azurerm_subnet_network_security_group_association", "bound", {
                "network_security_group_id": {"references": [
                    "azurerm_network_security_group.tier", "each.value.nsg", "each.value"]},
                "subnet_id": {"references": ["azurerm_subnet.tier", "each.value.subnet", "each.value"]}},
                for_each={"references": ["var.bindings"]}),
            cres("azurerm_subnet_network_security_group_association", "tier", {
                "network_security_group_id": {"references": ["azurerm_network_security_group.tier", "each.key"]},
                "subnet_id": {"references": ["azurerm_subnet.tier", "each.key"]}},
                for_each={"references": ["azurerm_subnet.tier"]}),
            cres("azurerm_virtual_network", "main", {
                "address_space": const(["10.2.0.0/16"]),
                "location": refs("azurerm_resource_group.main.location"), "name": const(vnet),
                "resource_group_name": refs("azurerm_resource_group.main.name")}),
        ],
        "variables": {"bindings": {"default": {"db": {"nsg": "db", "subnet": "db"}}},
                      "tiers": {"default": tiers}},
    }
    write("count-for-each", plan(resources, configuration(root),
                                 variables={"bindings": {"db": {"nsg": "db", "subnet": "db"}},
                                            "tiers": tiers}))


# ---------------------------------------------------------------- a deleted standalone rule


def delete_rule_case():
    rg, vnet, nsg_name = "rg-legacy", "vnet-legacy", "nsg-legacy"
    subnet_id = rid(rg, "virtualNetworks", vnet, "roles")
    nsg_id = rid(rg, "networkSecurityGroups", nsg_name)
    rules = {
        "allow_lb": ("AllowLB", 200, "Allow", "*", "AzureLoadBalancer", "*", "*"),
        "allow_local_rdp": ("AllowLocalRDP", 300, "Allow", "Tcp", "172.16.0.0", "10.1.0.0/24",
                            ["3389", "20000"]),
        "allow_instances": ("AllowInstances", 350, "Allow", "Tcp", "10.1.0.0/24", "10.1.0.0/24",
                            ["3389", "20000"]),
        "deny_all": ("DenyAll", 400, "Deny", "*", "*", "*", "*"),
    }
    # The NSG does not configure security_rule: its state mirrors what Azure holds, which
    # includes the standalone rules (and would include any rule made outside Terraform).
    mirror = [rule(n, p, a, pr, s, d, dports=dp)
              for (n, p, a, pr, s, d, dp) in [rules[k] for k in ("deny_all", "allow_instances",
                                                                 "allow_lb", "allow_local_rdp")]]
    nsg = nsg_values(nsg_name, rg, mirror, True)
    noop = ("no-op",)
    resources = [
        Res([], "azurerm_network_security_group", "legacy", nsg, nsg, noop),
        Res([], "azurerm_subnet", "roles", subnet_values("roles", rg, vnet, ["10.1.0.0/24"], True),
            subnet_values("roles", rg, vnet, ["10.1.0.0/24"], True), noop),
        Res([], "azurerm_subnet_network_security_group_association", "roles",
            assoc_values(subnet_id, nsg_id), assoc_values(subnet_id, nsg_id), noop),
    ]
    for key, (n, p, a, pr, s, d, dp) in rules.items():
        values = standalone_rule(n, p, a, pr, s, d, nsg_name, rg, dports=dp,
                                 rule_id=f"{nsg_id}/securityRules/{n}")
        if key == "allow_instances":
            resources.append(Res([], "azurerm_network_security_rule", key, None, values,
                                 ("delete",), action_reason="delete_because_no_resource_config"))
        else:
            resources.append(Res([], "azurerm_network_security_rule", key, values, values, noop))
    config_rules = []
    for key, (n, p, a, pr, s, d, dp) in rules.items():
        if key == "allow_instances":
            continue
        e = {"access": const(a), "direction": const("Inbound"), "name": const(n),
             "network_security_group_name": refs("azurerm_network_security_group.legacy.name"),
             "priority": const(p), "protocol": const(pr), "resource_group_name": const(rg),
             "source_address_prefix": const(s), "destination_address_prefix": const(d),
             "source_port_range": const("*")}
        if isinstance(dp, list):
            e["destination_port_ranges"] = const(dp)
        else:
            e["destination_port_range"] = const(dp)
        config_rules.append(cres("azurerm_network_security_rule", key, dict(sorted(e.items()))))
    root = {"resources": [
        cres("azurerm_network_security_group", "legacy", {
            "location": const("westeurope"), "name": const(nsg_name),
            "resource_group_name": const(rg)}),
        *config_rules,
        cres("azurerm_subnet", "roles", {
            "address_prefixes": const(["10.1.0.0/24"]), "name": const("roles"),
            "resource_group_name": const(rg), "virtual_network_name": const(vnet)}),
        cres("azurerm_subnet_network_security_group_association", "roles", {
            "network_security_group_id": refs("azurerm_network_security_group.legacy.id"),
            "subnet_id": refs("azurerm_subnet.roles.id")}),
    ]}
    write("delete-rule", plan(resources, configuration(root), tf_version="1.8.5"))


# ---------------------------------------------------------------- an unknown source prefix


def unknown_source_prefix_case():
    rg, vnet = "rg-admin", "vnet-admin"
    prefix = "10.4.1.0/24"
    admin_rdp = rule("AllowAdminRdp", 250, "Allow", "Tcp", UNK, prefix, dports="3389")
    rules = [rule("DenyAll", 400, "Deny", "*", "*", "*"), admin_rdp,
             rule("AllowIntraSubnet", 300, "Allow", "Tcp", prefix, prefix, dports=["3389", "20000"])]
    pip = {"allocation_method": "Static", "ddos_protection_mode": "VirtualNetworkInherited",
           "domain_name_label": None, "fqdn": UNK, "id": UNK, "idle_timeout_in_minutes": 4,
           "ip_address": UNK, "ip_version": "IPv4", "location": "westeurope", "name": "pip-admin",
           "resource_group_name": rg, "sku": "Standard", "sku_tier": "Regional", "tags": None,
           "timeouts": None, "zones": None}
    resources = [
        Res([], "azurerm_public_ip", "admin", pip),
        Res([], "azurerm_virtual_network", "main", vnet_values(vnet, rg, ["10.4.0.0/16"], False)),
        Res([], "azurerm_subnet", "admin", subnet_values("admin", rg, vnet, [prefix], False)),
        Res([], "azurerm_network_security_group", "admin", nsg_values("nsg-admin", rg, rules, False)),
        Res([], "azurerm_subnet_network_security_group_association", "admin", assoc_values(UNK, UNK)),
    ]
    root = {"resources": [
        cres("azurerm_network_security_group", "admin", {
            "location": const("westeurope"), "name": const("nsg-admin"),
            "resource_group_name": const(rg),
            "security_rule": {"references": ["azurerm_public_ip.admin.ip_address",
                                             "azurerm_public_ip.admin"]}}),
        cres("azurerm_public_ip", "admin", {
            "allocation_method": const("Static"), "location": const("westeurope"),
            "name": const("pip-admin"), "resource_group_name": const(rg), "sku": const("Standard")}),
        cres("azurerm_subnet", "admin", {
            "address_prefixes": const([prefix]), "name": const("admin"),
            "resource_group_name": const(rg),
            "virtual_network_name": refs("azurerm_virtual_network.main.name")}),
        cres("azurerm_subnet_network_security_group_association", "admin", {
            "network_security_group_id": refs("azurerm_network_security_group.admin.id"),
            "subnet_id": refs("azurerm_subnet.admin.id")}),
        cres("azurerm_virtual_network", "main", {
            "address_space": const(["10.4.0.0/16"]), "location": const("westeurope"),
            "name": const(vnet), "resource_group_name": const(rg)}),
    ]}
    write("unknown-source-prefix", plan(resources, configuration(root)))


def rdp_rules():
    return [rule("AllowRdp", 100, "Allow", "Tcp", "*", "*", dports="3389")]


def unknown_subnet_prefix_case():
    """A subnet whose prefix is known only after apply (an IPAM pool, a data source): RDP open
    to `*` on its NSG is NSG030 (the verdict depends on the prefix), never a pass."""
    rg, vnet = "rg-web", "vnet-web"
    resources = [
        Res([], "azurerm_virtual_network", "main", vnet_values(vnet, rg, ["10.5.0.0/16"], False)),
        Res([], "azurerm_subnet", "web", subnet_values("web", rg, vnet, [UNK], False)),
        Res([], "azurerm_network_security_group", "web", nsg_values("nsg-web", rg, rdp_rules(), False)),
        Res([], "azurerm_subnet_network_security_group_association", "web", assoc_values(UNK, UNK)),
    ]
    root = {"resources": [
        cres("azurerm_network_security_group", "web", {
            "location": const("westeurope"), "name": const("nsg-web"),
            "resource_group_name": const(rg)}),
        cres("azurerm_subnet", "web", {
            "address_prefixes": {"references": ["data.azurerm_subnet.pool.address_prefixes",
                                                "data.azurerm_subnet.pool"]},
            "name": const("web"), "resource_group_name": const(rg),
            "virtual_network_name": refs("azurerm_virtual_network.main.name")}),
        cres("azurerm_subnet_network_security_group_association", "web", {
            "network_security_group_id": refs("azurerm_network_security_group.web.id"),
            "subnet_id": refs("azurerm_subnet.web.id")}),
        cres("azurerm_virtual_network", "main", {
            "address_space": const(["10.5.0.0/16"]), "location": const("westeurope"),
            "name": const(vnet), "resource_group_name": const(rg)}),
    ]}
    write("unknown-subnet-prefix", plan(resources, configuration(root)))


def unattached_nsg_case():
    """An NSG module's plan: the NSG is attached by the caller, so nothing here attaches it.
    It is evaluated as if on a subnet of any private prefix: RDP open to `*` is NSG002."""
    rg = "rg-module"
    resources = [
        Res([], "azurerm_network_security_group", "this", nsg_values("nsg-module", rg, rdp_rules(), False)),
    ]
    root = {"resources": [
        cres("azurerm_network_security_group", "this", {
            "location": const("westeurope"), "name": const("nsg-module"),
            "resource_group_name": const(rg)}),
    ]}
    write("unattached-nsg", plan(resources, configuration(root)))


def nic_in_unknown_subnet_case():
    """A VM module's plan: the NIC's subnet is the module's `var.subnet_id`, unknown here. The
    NIC's NSG (RDP open to `*`) is still evaluated; the subnet side is unknown: NSG030."""
    rg = "rg-vm"
    nsg_id = rid(rg, "networkSecurityGroups", "nsg-vm")
    resources = [
        Res([], "azurerm_network_security_group", "vm", nsg_values("nsg-vm", rg, rdp_rules(), False)),
        Res([], "azurerm_network_interface", "vm",
            nic_values("nic-vm", rg, "internal", UNK, UNK, False)),
        Res([], "azurerm_network_interface_security_group_association", "vm",
            nic_assoc_values(UNK, UNK)),
    ]
    root = {"resources": [
        cres("azurerm_network_interface", "vm", {
            "ip_configuration": [{"name": const("internal"),
                                  "private_ip_address_allocation": const("Dynamic"),
                                  "subnet_id": refs("var.subnet_id")}],
            "location": const("westeurope"), "name": const("nic-vm"),
            "resource_group_name": const(rg)}),
        cres("azurerm_network_interface_security_group_association", "vm", {
            "network_interface_id": refs("azurerm_network_interface.vm.id"),
            "network_security_group_id": refs("azurerm_network_security_group.vm.id")}),
        cres("azurerm_network_security_group", "vm", {
            "location": const("westeurope"), "name": const("nsg-vm"),
            "resource_group_name": const(rg)}),
    ], "variables": {"subnet_id": {}}}
    write("nic-in-unknown-subnet", plan(resources, configuration(root)))


def errored_plan_case():
    """An errored plan (a provider failed mid-plan): the NSG it shows is clean, but what
    Terraform could not plan is missing. Exit 2 unless --allow-incomplete-plan (then NSG030)."""
    rg = "rg-errored"
    rules = [rule("DenyRdp", 100, "Deny", "Tcp", "*", "*", dports="3389")]
    resources = [
        Res([], "azurerm_network_security_group", "this", nsg_values("nsg-errored", rg, rules, False)),
    ]
    root = {"resources": [
        cres("azurerm_network_security_group", "this", {
            "location": const("westeurope"), "name": const("nsg-errored"),
            "resource_group_name": const(rg)}),
    ]}
    doc = plan(resources, configuration(root))
    doc["errored"] = True
    doc["complete"] = False
    doc["applyable"] = False
    write("errored", doc)


def ignore_in_string_case():
    """A one-line plan (as Terraform writes it) whose NSG tag holds `// nsgate:ignore …` text:
    text in a JSON string is not a comment, so RDP open to `*` is still NSG002."""
    rg, vnet = "rg-web", "vnet-web"
    nsg = nsg_values("nsg-web", rg, rdp_rules(), False)
    nsg["tags"] = {"note": "// nsgate:ignore NSG002 -- a tag is not a comment"}
    resources = [
        Res([], "azurerm_virtual_network", "main", vnet_values(vnet, rg, ["10.6.0.0/16"], False)),
        Res([], "azurerm_subnet", "web", subnet_values("web", rg, vnet, ["10.6.1.0/24"], False)),
        Res([], "azurerm_network_security_group", "web", nsg),
        Res([], "azurerm_subnet_network_security_group_association", "web", assoc_values(UNK, UNK)),
    ]
    root = {"resources": [
        cres("azurerm_network_security_group", "web", {
            "location": const("westeurope"), "name": const("nsg-web"),
            "resource_group_name": const(rg)}),
        cres("azurerm_subnet", "web", {
            "address_prefixes": const(["10.6.1.0/24"]), "name": const("web"),
            "resource_group_name": const(rg),
            "virtual_network_name": refs("azurerm_virtual_network.main.name")}),
        cres("azurerm_subnet_network_security_group_association", "web", {
            "network_security_group_id": refs("azurerm_network_security_group.web.id"),
            "subnet_id": refs("azurerm_subnet.web.id")}),
        cres("azurerm_virtual_network", "main", {
            "address_space": const(["10.6.0.0/16"]), "location": const("westeurope"),
            "name": const(vnet), "resource_group_name": const(rg)}),
    ]}
    write("ignore-in-string", plan(resources, configuration(root)), compact=True)


def azapi_case():
    """azapi in a plan (2.x object bodies, and one 1.x `jsonencode` string body): the HCL
    scenario `terraform/azapi-object-body` planned. Ids are known after apply, so links go
    through `parent_id`'s and the body's references in `configuration`."""
    rg = f"{SUB}/resourceGroups/rg-app"

    def azapi(name, ty, rname, parent, body, body_refs, parent_ref, rtype="azapi_resource"):
        after = {"type": ty, "name": rname, "parent_id": parent, "body": body, "id": UNK,
                 "output": UNK, "location": "westeurope", "locks": None, "tags": None,
                 "timeouts": None}
        exprs = {"type": const(ty), "name": const(rname), "body": body_refs}
        if parent_ref:
            exprs["parent_id"] = parent_ref
        else:
            exprs["parent_id"] = const(parent)
        return (Res([], rtype, name, after),
                cres(rtype, name, exprs, key="azapi"))

    rules = [{"name": "AllowSsh", "properties": {
        "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "sourceAddressPrefix": "Internet", "sourcePortRange": "*",
        "destinationAddressPrefix": "10.30.1.0/24", "destinationPortRange": "22"}}]
    rdp = {"properties": {
        "priority": 110, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*",
        "destinationPortRange": "3389"}}
    pairs = [
        azapi("vnet", "Microsoft.Network/virtualNetworks@2024-05-01", "vnet-app", rg,
              {"properties": {"addressSpace": {"addressPrefixes": ["10.30.0.0/16"]}}},
              const({"properties": {"addressSpace": {"addressPrefixes": ["10.30.0.0/16"]}}}),
              None),
        azapi("nsg", "Microsoft.Network/networkSecurityGroups@2024-05-01", "nsg-app", rg,
              {"properties": {"securityRules": rules}},
              const({"properties": {"securityRules": rules}}), None),
        azapi("subnet", "Microsoft.Network/virtualNetworks/subnets@2024-05-01", "snet-app", UNK,
              {"properties": {"addressPrefix": "10.30.1.0/24",
                              "networkSecurityGroup": {"id": UNK}}},
              refs("azapi_resource.nsg.id"), refs("azapi_resource.vnet.id")),
        # azapi 1.x: `body = jsonencode({...})`, a string in the plan.
        azapi("rdp", "Microsoft.Network/networkSecurityGroups/securityRules@2023-04-01",
              "AllowRdp", UNK, json.dumps(rdp), const(json.dumps(rdp)),
              refs("azapi_resource.nsg.id")),
    ]
    resources = [r for r, _ in pairs]
    root = {"resources": [c for _, c in pairs]}
    write("azapi", plan(resources, configuration(root)))


# ---------------------------------------------------------------- subnet tenants (§6.6)


def tenants_case():
    """Who lives in each subnet, as a first deploy plans it (every id unknown, linked through
    the configuration's references): a scale set and a NIC in a load balancer's pool with an
    HTTP probe on 8080, Bastion, an Application Gateway v2, AKS node pools, a private endpoint,
    a delegated subnet and a delegated inline subnet; a private endpoint in a subnet outside the
    plan (a literal id), and a subnet nothing is placed in."""
    rg, vnet = "rg-app", "vnet-app"
    subnets = {"AzureBastionSubnet": ("bastion", "10.20.0.0/26"), "appgw": ("appgw", "10.20.1.0/24"),
               "aks": ("aks", "10.20.2.0/24"), "web": ("web", "10.20.3.0/24"),
               "endpoints": ("endpoints", "10.20.4.0/24"), "functions": ("functions", "10.20.5.0/24"),
               "spare": ("spare", "10.20.6.0/24")}
    delegation = [{"name": "serverfarms", "service_delegation": [{
        "actions": ["Microsoft.Network/virtualNetworks/subnets/action"],
        "name": "Microsoft.Web/serverFarms"}]}]
    inline = [{"address_prefixes": ["10.30.0.0/24"], "default_outbound_access_enabled": True,
               "delegation": [{"name": "aci", "service_delegation": [{
                   "actions": UNK, "name": "Microsoft.ContainerInstance/containerGroups"}]}],
               "id": UNK, "name": "containers", "private_endpoint_network_policies": "Disabled",
               "private_link_service_network_policies_enabled": True, "route_table_id": None,
               "security_group": "", "service_endpoint_policy_ids": None, "service_endpoints": None}]
    outside = rid("rg-shared", "virtualNetworks", "vnet-shared", "endpoints")
    resources = [
        Res([], "azurerm_virtual_network", "app", vnet_values(vnet, rg, ["10.20.0.0/16"], False)),
        Res([], "azurerm_virtual_network", "aci",
            vnet_values("vnet-aci", rg, ["10.30.0.0/16"], False, inline)),
        Res([], "azurerm_bastion_host", "main", {
            "id": UNK, "name": "bas-app", "resource_group_name": rg, "location": "westeurope",
            "sku": "Basic", "ip_configuration": [{"name": "configuration", "subnet_id": UNK,
                                                  "public_ip_address_id": UNK}]}),
        Res([], "azurerm_application_gateway", "main", {
            "id": UNK, "name": "agw-app", "resource_group_name": rg, "location": "westeurope",
            "sku": [{"capacity": 2, "name": "WAF_v2", "tier": "WAF_v2"}],
            "gateway_ip_configuration": [{"id": UNK, "name": "gateway", "subnet_id": UNK}]}),
        Res([], "azurerm_kubernetes_cluster", "main", {
            "id": UNK, "name": "aks-app", "resource_group_name": rg, "location": "westeurope",
            "dns_prefix": "aksapp", "default_node_pool": [{
                "name": "system", "node_count": 1, "vm_size": "Standard_D2s_v5",
                "vnet_subnet_id": UNK}]}),
        Res([], "azurerm_kubernetes_cluster_node_pool", "user", {
            "id": UNK, "name": "user", "kubernetes_cluster_id": UNK,
            "vm_size": "Standard_D4s_v5", "vnet_subnet_id": UNK}),
        Res([], "azurerm_private_endpoint", "storage", {
            "id": UNK, "name": "pe-storage", "resource_group_name": rg, "location": "westeurope",
            "subnet_id": UNK}),
        Res([], "azurerm_private_endpoint", "shared", {
            "id": UNK, "name": "pe-shared", "resource_group_name": rg, "location": "westeurope",
            "subnet_id": outside}),
        Res([], "azurerm_lb", "web", {
            "id": UNK, "name": "lb-web", "resource_group_name": rg, "location": "westeurope",
            "sku": "Standard"}),
        Res([], "azurerm_lb_backend_address_pool", "web", {
            "id": UNK, "name": "web", "loadbalancer_id": UNK}),
        Res([], "azurerm_lb_probe", "http", {
            "id": UNK, "name": "http", "loadbalancer_id": UNK, "port": 8080, "protocol": "Http",
            "request_path": "/health"}),
        Res([], "azurerm_lb_rule", "http", {
            "id": UNK, "name": "http", "loadbalancer_id": UNK, "protocol": "Tcp",
            "frontend_port": 80, "backend_port": 8080, "backend_address_pool_ids": [UNK],
            "probe_id": UNK}),
        Res([], "azurerm_linux_virtual_machine_scale_set", "web", {
            "id": UNK, "name": "vmss-web", "resource_group_name": rg, "location": "westeurope",
            "network_interface": [{"name": "nic", "primary": True, "ip_configuration": [{
                "name": "internal", "primary": True, "subnet_id": UNK,
                "load_balancer_backend_address_pool_ids": UNK}]}]}),
        Res([], "azurerm_network_interface", "vm",
            nic_values("nic-vm", rg, "internal", UNK, UNK, False)),
        Res([], "azurerm_network_interface_backend_address_pool_association", "vm", {
            "id": UNK, "network_interface_id": UNK, "ip_configuration_name": "internal",
            "backend_address_pool_id": UNK}),
    ]
    config = [
        cres("azurerm_virtual_network", "app", {
            "address_space": const(["10.20.0.0/16"]), "location": const("westeurope"),
            "name": const(vnet), "resource_group_name": const(rg)}),
        cres("azurerm_virtual_network", "aci", {
            "address_space": const(["10.30.0.0/16"]), "location": const("westeurope"),
            "name": const("vnet-aci"), "resource_group_name": const(rg),
            "subnet": [{"address_prefixes": const(["10.30.0.0/24"]), "name": const("containers"),
                        "delegation": [{"name": const("aci"), "service_delegation": [{
                            "name": const("Microsoft.ContainerInstance/containerGroups")}]}]}]}),
        cres("azurerm_bastion_host", "main", {
            "name": const("bas-app"), "resource_group_name": const(rg),
            "ip_configuration": [{"name": const("configuration"),
                                  "subnet_id": refs("azurerm_subnet.bastion.id")}]}),
        cres("azurerm_application_gateway", "main", {
            "name": const("agw-app"), "resource_group_name": const(rg),
            "sku": [{"name": const("WAF_v2"), "tier": const("WAF_v2"), "capacity": const(2)}],
            "gateway_ip_configuration": [{"name": const("gateway"),
                                          "subnet_id": refs("azurerm_subnet.appgw.id")}]}),
        cres("azurerm_kubernetes_cluster", "main", {
            "name": const("aks-app"), "resource_group_name": const(rg),
            "default_node_pool": [{"name": const("system"),
                                   "vnet_subnet_id": refs("azurerm_subnet.aks.id")}]}),
        cres("azurerm_kubernetes_cluster_node_pool", "user", {
            "name": const("user"),
            "kubernetes_cluster_id": refs("azurerm_kubernetes_cluster.main.id"),
            "vnet_subnet_id": refs("azurerm_subnet.aks.id")}),
        cres("azurerm_private_endpoint", "storage", {
            "name": const("pe-storage"), "resource_group_name": const(rg),
            "subnet_id": refs("azurerm_subnet.endpoints.id")}),
        cres("azurerm_private_endpoint", "shared", {
            "name": const("pe-shared"), "resource_group_name": const(rg),
            "subnet_id": const(outside)}),
        cres("azurerm_lb", "web", {"name": const("lb-web"), "resource_group_name": const(rg)}),
        cres("azurerm_lb_backend_address_pool", "web", {
            "name": const("web"), "loadbalancer_id": refs("azurerm_lb.web.id")}),
        cres("azurerm_lb_probe", "http", {
            "name": const("http"), "loadbalancer_id": refs("azurerm_lb.web.id"),
            "port": const(8080), "protocol": const("Http")}),
        cres("azurerm_lb_rule", "http", {
            "name": const("http"), "loadbalancer_id": refs("azurerm_lb.web.id"),
            "backend_address_pool_ids": refs("azurerm_lb_backend_address_pool.web.id"),
            "probe_id": refs("azurerm_lb_probe.http.id")}),
        cres("azurerm_linux_virtual_machine_scale_set", "web", {
            "name": const("vmss-web"), "resource_group_name": const(rg),
            "network_interface": [{"name": const("nic"), "ip_configuration": [{
                "name": const("internal"), "subnet_id": refs("azurerm_subnet.web.id"),
                "load_balancer_backend_address_pool_ids":
                    refs("azurerm_lb_backend_address_pool.web.id")}]}]}),
        cres("azurerm_network_interface", "vm", {
            "name": const("nic-vm"), "resource_group_name": const(rg),
            "ip_configuration": [{"name": const("internal"),
                                  "private_ip_address_allocation": const("Dynamic"),
                                  "subnet_id": refs("azurerm_subnet.web.id")}]}),
        cres("azurerm_network_interface_backend_address_pool_association", "vm", {
            "network_interface_id": refs("azurerm_network_interface.vm.id"),
            "ip_configuration_name": const("internal"),
            "backend_address_pool_id": refs("azurerm_lb_backend_address_pool.web.id")}),
    ]
    for name, (key, prefix) in subnets.items():
        values = subnet_values(name, rg, vnet, [prefix], False)
        expressions = {"address_prefixes": const([prefix]), "name": const(name),
                       "resource_group_name": const(rg),
                       "virtual_network_name": refs("azurerm_virtual_network.app.name")}
        if key == "functions":
            values["delegation"] = delegation
            expressions["delegation"] = [{"name": const("serverfarms"), "service_delegation": [{
                "name": const("Microsoft.Web/serverFarms")}]}]
        resources.append(Res([], "azurerm_subnet", key, values))
        config.append(cres("azurerm_subnet", key, expressions))
    write("tenants", plan(resources, configuration({"resources": config})))


# ---------------------------------------------------------------- admin rules through azapi (§6.8)


def admin_azapi_plan(commit=None):
    """`terraform/admin-azapi-deny-closes-rdp` as a first deploy: a web subnet whose NSG opens
    RDP to everyone, and a network manager written with azapi whose security admin rule denies
    inbound TCP 3389 from the Internet to the web VNet (westeurope). Every id is known only
    after apply, so links go through the configuration's references. `commit`: the
    `azapi_resource_action` commit's planned body (None: no commit action)."""
    rg = f"{SUB}/resourceGroups/rg-net"
    pairs = []

    def azapi(name, ty, rname, parent, body, body_refs, parent_ref, location=None):
        after = {"type": ty, "name": rname, "parent_id": parent, "body": body, "id": UNK,
                 "output": UNK, "location": location if location else UNK, "locks": None,
                 "tags": None, "timeouts": None}
        exprs = {"type": const(ty), "name": const(rname), "body": body_refs,
                 "parent_id": parent_ref if parent_ref else const(parent)}
        if location:
            exprs["location"] = const(location)
        pairs.append((Res([], "azapi_resource", name, after),
                      cres("azapi_resource", name, exprs, key="azapi")))

    def body_const(body):
        return const(body)

    net = "Microsoft.Network"
    azapi("rg", "Microsoft.Resources/resourceGroups@2021-04-01", "rg-net",
          SUB, {}, body_const({}), None, location="westeurope")
    vnet_body = {"properties": {"addressSpace": {"addressPrefixes": ["10.20.0.0/16"]}}}
    azapi("vnet", f"{net}/virtualNetworks@2024-05-01", "vnet-web", UNK, vnet_body,
          body_const(vnet_body), refs("azapi_resource.rg.id"), location="westeurope")
    azapi("subnet", f"{net}/virtualNetworks/subnets@2024-05-01", "snet-web", UNK,
          {"properties": {"addressPrefix": "10.20.1.0/24", "networkSecurityGroup": {"id": UNK}}},
          refs("azapi_resource.nsg.id"), refs("azapi_resource.vnet.id"))
    nsg_body = {"properties": {"securityRules": [{"name": "AllowRdp", "properties": {
        "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "sourceAddressPrefix": "*", "sourcePortRange": "*",
        "destinationAddressPrefix": "10.20.1.0/24", "destinationPortRange": "3389"}}]}}
    azapi("nsg", f"{net}/networkSecurityGroups@2024-05-01", "nsg-web", UNK, nsg_body,
          body_const(nsg_body), refs("azapi_resource.rg.id"), location="westeurope")
    manager_body = {"properties": {
        "networkManagerScopes": {"subscriptions": [SUB]},
        "networkManagerScopeAccesses": ["SecurityAdmin"]}}
    azapi("manager", f"{net}/networkManagers@2024-05-01", "avnm-central", UNK, manager_body,
          body_const(manager_body), refs("azapi_resource.rg.id"), location="westeurope")
    group_body = {"properties": {"memberType": "VirtualNetwork"}}
    azapi("group", f"{net}/networkManagers/networkGroups@2024-05-01", "ng-all", UNK,
          group_body, body_const(group_body), refs("azapi_resource.manager.id"))
    azapi("member", f"{net}/networkManagers/networkGroups/staticMembers@2024-05-01", "web",
          UNK, {"properties": {"resourceId": UNK}}, refs("azapi_resource.vnet.id"),
          refs("azapi_resource.group.id"))
    config_body = {"properties": {"applyOnNetworkIntentPolicyBasedServices": ["None"]}}
    azapi("baseline", f"{net}/networkManagers/securityAdminConfigurations@2024-05-01",
          "baseline", UNK, config_body, body_const(config_body),
          refs("azapi_resource.manager.id"))
    azapi("high_risk",
          f"{net}/networkManagers/securityAdminConfigurations/ruleCollections@2024-05-01",
          "high-risk-ports", UNK, {"properties": {"appliesToGroups": [{"networkGroupId": UNK}]}},
          refs("azapi_resource.group.id"), refs("azapi_resource.baseline.id"))
    rule_body = {"kind": "Custom", "properties": {
        "access": "Deny", "direction": "Inbound", "priority": 10, "protocol": "Tcp",
        "sources": [{"addressPrefix": "Internet", "addressPrefixType": "ServiceTag"}],
        "destinationPortRanges": ["3389"]}}
    azapi("deny_rdp",
          f"{net}/networkManagers/securityAdminConfigurations/ruleCollections/rules@2024-05-01",
          "DenyRdpInbound", UNK, rule_body, body_const(rule_body),
          refs("azapi_resource.high_risk.id"))
    if commit is not None:
        after = {"type": f"{net}/networkManagers@2024-05-01", "resource_id": UNK,
                 "action": "commit", "method": "POST", "body": commit, "id": UNK,
                 "output": UNK, "locks": None, "response_export_values": None,
                 "when": "apply", "timeouts": None}
        exprs = {"type": const(f"{net}/networkManagers@2024-05-01"),
                 "resource_id": refs("azapi_resource.manager.id"), "action": const("commit"),
                 "method": const("POST"), "body": refs("azapi_resource.baseline.id")}
        pairs.append((Res([], "azapi_resource_action", "commit", after),
                      cres("azapi_resource_action", "commit", exprs, key="azapi")))
    resources = [r for r, _ in pairs]
    root = {"resources": [c for _, c in pairs]}
    return plan(resources, configuration(root))


def admin_azapi_cases():
    # azapi 2.x: the body is an object; the configuration id is known after apply and linked
    # through the body's one reference.
    write("admin-azapi-commit", admin_azapi_plan(
        {"commitType": "SecurityAdmin", "configurationIds": [UNK],
         "targetLocations": ["westeurope"]}))
    write("admin-azapi-not-committed", admin_azapi_plan(None))
    # azapi 1.x: `body = jsonencode({... configurationIds = [azapi_resource.baseline.id] ...})`
    # is one string, wholly known only after apply.
    write("admin-azapi-commit-unknown", admin_azapi_plan(UNK))


if __name__ == "__main__":
    incident_cases()
    nested_modules_case()
    count_for_each_case()
    delete_rule_case()
    unknown_source_prefix_case()
    unknown_subnet_prefix_case()
    unattached_nsg_case()
    nic_in_unknown_subnet_case()
    errored_plan_case()
    ignore_in_string_case()
    azapi_case()
    tenants_case()
    admin_azapi_cases()
